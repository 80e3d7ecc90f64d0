"""``Order.version`` counts confirmed versions (seed 002): editing a PENDING order no longer
raises it. Orders edited before this change carry a higher number; their versions are numbered
down so that the order as finalized is version 1 and its amendments 2, 3, ... again."""

from django.db import migrations
from django.db.models import F


def renumber(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderVersion = apps.get_model("orders", "OrderVersion")
    OrderLine = apps.get_model("orders", "OrderLine")
    Traveller = apps.get_model("orders", "Traveller")
    for order in Order.objects.filter(version__gt=1).only("pk", "version").iterator():
        numbers = sorted(set(OrderVersion.objects.filter(order=order).values_list("number", flat=True)))
        offset = (numbers[0] - 2) if numbers else order.version - 1
        if offset <= 0:
            continue
        for number in numbers:
            OrderVersion.objects.filter(order=order, number=number).update(number=number - offset)
        for model in (OrderLine, Traveller):
            rows = model.objects.filter(order=order)
            rows.filter(added_in_version__gt=1).update(added_in_version=F("added_in_version") - offset)
            rows.filter(removed_in_version__gt=1).update(removed_in_version=F("removed_in_version") - offset)
        Order.objects.filter(pk=order.pk).update(version=F("version") - offset)


class Migration(migrations.Migration):
    dependencies = [("orders", "0022_amendment_expiry_event")]

    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
