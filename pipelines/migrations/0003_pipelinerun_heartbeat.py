from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pipelines", "0002_reductionoutput"),
    ]

    operations = [
        migrations.AddField(
            model_name="pipelinerun",
            name="heartbeat",
            field=models.DateTimeField(blank=True, help_text="Last sign of life of the task running it (pipelines.runs)", null=True),
        ),
    ]
