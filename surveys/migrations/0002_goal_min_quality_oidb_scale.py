"""SurveyGoal.min_quality_flag moves to OiDB's quality_level scale (domain.quality), like archive 0004."""
from django.db import migrations, models

FORWARD = {-1: 0, 0: 1, 1: 2, 2: 3, 3: 4}
BACKWARD = {0: -1, 1: 0, 2: 1, 3: 2, 4: 3, 5: 3}


def forward(apps, schema_editor):
    goal = apps.get_model("surveys", "SurveyGoal")
    for old in sorted(FORWARD, reverse=True):  # from the top: no row moves twice
        goal.objects.filter(min_quality_flag=old).update(min_quality_flag=FORWARD[old])


def backward(apps, schema_editor):
    goal = apps.get_model("surveys", "SurveyGoal")
    for new in sorted(BACKWARD):
        goal.objects.filter(min_quality_flag=new).update(min_quality_flag=BACKWARD[new])


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="surveygoal", name="min_quality_flag",
            field=models.SmallIntegerField(
                blank=True, null=True,
                help_text="If set, an L2 product reaching at least this OiDB quality level is required "
                          "(4 = Science ready)"),
        ),
        migrations.RunPython(forward, backward),
    ]
