"""ObsPortal has no documented upload API: its JSON push is retired (the portal serves the L0 feed OiDB harvests)."""
from django.db import migrations

REASON = "ObsPortal push retired: OiDB harvests the portal's L0 feed (/archive/l0/search.votable)"


def retire(apps, schema_editor):
    message = apps.get_model("archive", "OutboxMessage")
    message.objects.filter(destination="obsportal", state="pending").update(state="rejected", last_error=REASON)


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0004_quality_oidb_scale"),
    ]

    operations = [
        migrations.RunPython(retire, migrations.RunPython.noop),
    ]
