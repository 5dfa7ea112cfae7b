"""Built-in named checks for workflow guards (see ``guards.checks`` in docs/workflows.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from flask import current_app

from digiflow.core.workflow.checks import CheckFailure, workflow_check

if TYPE_CHECKING:
    from digiflow.measures.models import Measure


def _euro(amount: Decimal) -> str:
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


@workflow_check(
    "within_small_measure_limit",
    "Gesamtkosten unter der Wertgrenze für kleine Maßnahmen (SMALL_MEASURE_LIMIT)",
)
def within_small_measure_limit(measure: Measure) -> CheckFailure | None:
    limit = Decimal(str(current_app.config["SMALL_MEASURE_LIMIT"]))
    total = measure.total_costs
    if total >= limit:
        return CheckFailure(
            de=f"Die Gesamtkosten ({_euro(total)}) erreichen die Wertgrenze für kleine "
            f"Maßnahmen ({_euro(limit)}); bitte den vollständigen Ablauf wählen.",
            en=f"The total costs ({_euro(total)}) reach the small-measure limit "
            f"({_euro(limit)}); use the full workflow.",
        )
    return None


@workflow_check(
    "costs_plausible",
    "Kosten angegeben und nicht negativ",
)
def costs_plausible(measure: Measure) -> CheckFailure | None:
    if measure.cost_one_off is None and measure.cost_recurring is None:
        return CheckFailure(de="Es sind keine Kosten angegeben.", en="No costs are given.")
    for value in (measure.cost_one_off, measure.cost_recurring):
        if value is not None and value < 0:
            return CheckFailure(
                de="Kosten dürfen nicht negativ sein.", en="Costs must not be negative."
            )
    return None
