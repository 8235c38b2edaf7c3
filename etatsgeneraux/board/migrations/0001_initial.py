import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("workshops", "0005_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangeMarker",
            fields=[
                (
                    "section",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="change_marker",
                        serialize=False,
                        to="workshops.thematicsection",
                        verbose_name="section thématique",
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0, verbose_name="version")),
                (
                    "changed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="modifiée le"),
                ),
            ],
            options={
                "verbose_name": "marqueur de modification du tableau",
                "verbose_name_plural": "marqueurs de modification du tableau",
            },
        ),
    ]
