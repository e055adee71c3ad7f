import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pipelines", "0002_reductionoutput"),
    ]

    operations = [
        migrations.AddField(
            model_name="l0record",
            name="updated",
            field=models.DateTimeField(auto_now=True, db_index=True, default=django.utils.timezone.now,
                                       help_text="Last change: exp_date_updated of the ObsPortal-shaped L0 feed"),
            preserve_default=False,
        ),
    ]
