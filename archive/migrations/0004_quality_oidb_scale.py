"""Stored quality flags move from the portal's former 0-3 scale to OiDB's quality_level (domain.quality).

-1 automatic -> empty (Unknown, not reviewed), 0 unusable -> 1 Trash, 1 poor -> 2 To be reduced again,
2 fair -> 3 Quick look, 3 good -> 4 Science ready. Files already archived keep their header (immutable);
the next validation writes OiDB's keyword.
"""
from django.db import migrations, models

FORWARD = {-1: None, 0: 1, 1: 2, 2: 3, 3: 4}
BACKWARD = {1: 0, 2: 1, 3: 2, 4: 3, 5: 3, 0: None}


def _remap(apps, table: str, field: str, mapping: dict) -> None:
    model = apps.get_model("archive", table)
    # from the top (or bottom) so no row is moved twice
    for old in sorted(mapping, reverse=mapping is FORWARD):
        model.objects.filter(**{field: old}).update(**{field: mapping[old]})


def forward(apps, schema_editor):
    _remap(apps, "ProductVersion", "quality_flag", FORWARD)
    review = apps.get_model("archive", "QualityReview")
    for old in sorted(FORWARD, reverse=True):
        if old >= 0:
            review.objects.filter(flag=old).update(flag=FORWARD[old])


def backward(apps, schema_editor):
    _remap(apps, "ProductVersion", "quality_flag", BACKWARD)
    review = apps.get_model("archive", "QualityReview")
    for new in sorted(BACKWARD):
        if BACKWARD[new] is not None:
            review.objects.filter(flag=new).update(flag=BACKWARD[new])


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0003_outboxmessage_endpoint_outboxmessage_http_status_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="productversion", name="quality_flag",
            field=models.SmallIntegerField(
                blank=True, null=True,
                help_text="OiDB quality_level (domain.quality): 1 Trash .. 5 Outstanding; empty = not reviewed"),
        ),
        migrations.RunPython(forward, backward),
    ]
