"""Texts of the demo's papers, adapted from the council documents in ``shared/seeds/`` to the
fictional Landkreis Leinebergland (names, dates and places are made up).

- the faction motion for the budget (after the Hildesheim motion of 2023): 1.0 Mio. € for
  digitalization, locked until a concept and the Fachausschuss's recommendation, and an open
  "Unter-AG Digitalisierung" that meets monthly;
- the administration's information paper on its digitalization strategy (after the Hannover
  Informationsdrucksache 1004/2018).
"""

from __future__ import annotations

from datetime import date

MOTION_SUBMITTERS = "SPD-Fraktion und Gruppe Grüne/Linke im Kreistag"


def motion_title(budget_year: int) -> str:
    return f"Haushalt {budget_year}: Digitalisierung"


def motion_proposal(budget_year: int) -> str:
    """The numbered Beschlussvorschlag of the motion."""
    return (
        f"1. Für den Bereich der „Digitalisierung“ werden investive Haushaltsmittel i. H. v. "
        f"1,0 Mio. € in den Haushalt {budget_year} eingestellt.\n"
        "2. Diese Haushaltsmittel erhalten einen Sperrvermerk. Die Freigabe erfolgt nach "
        "Vorstellung eines entsprechenden Digitalisierungskonzeptes und entsprechender "
        "Empfehlung vom zuständigen Fachausschuss durch den Kreisausschuss.\n"
        "3. Es wird verwaltungsseitig eine offene „Unter-AG Digitalisierung“ installiert und "
        "betreut, an der neben der Verwaltung (mindestens die Digitalisierungsbeauftragte, die "
        "Koordinierungsstelle und die Leitung des Fachbereichs 10) auch alle interessierten "
        "Kreistagsabgeordneten teilnehmen können. Die „Unter-AG Digitalisierung“ soll dem "
        "Ausschuss für Finanzen, Personal, Digitalisierung und Innere Dienste zuarbeiten. Es "
        "sollen monatliche Sitzungen unter Beteiligung der Verwaltung durchgeführt werden."
    )


def motion_text(
    *, dated: date, budget_year: int, committee_day: date, main_day: date, council_day: date
) -> str:
    """The letter of the factions, with the session days of the consultation sequence."""
    return (
        "SPD-Fraktion im Kreistag des Landkreises Leinebergland\n"
        "Gruppe Grüne/Linke im Kreistag des Landkreises Leinebergland\n\n"
        "Frau Landrätin\nLore Landmann\no. V. i. A.\n\n"
        f"Leinebergland, den {dated:%d.%m.%Y}\n\n"
        f"TOP „Haushalt {budget_year}“\nDigitalisierung\n\n"
        "Sehr geehrte Frau Landrätin Landmann,\n\n"
        "die SPD-Fraktion und die Gruppe Grüne/Linke stellen im Ausschuss für Finanzen, "
        f"Personal, Digitalisierung und Innere Dienste am {committee_day:%d.%m.%Y}, dem "
        f"Kreisausschuss am {main_day:%d.%m.%Y} und dem Kreistag am {council_day:%d.%m.%Y} "
        "folgenden Antrag:\n\n"
        "Beschlussvorschlag:\n\n"
        f"{motion_proposal(budget_year)}\n\n"
        "Begründung:\n\n"
        "Ziel ist es, dass die Bürgerinnen und Bürger sowie Unternehmen im Landkreis "
        "Leinebergland mehr Verwaltungsdienstleistungen digital in Anspruch nehmen können. Auch "
        "ist die Digitalisierung innerhalb der Verwaltung weiter auszubauen.\n\n"
        "Die Verwaltung erstellt aktuell ein Digitalisierungskonzept, aus dem die weiteren "
        "Schritte zeitnah abzuleiten sind. Daher erhalten die Haushaltsmittel vorbehaltlich der "
        "Empfehlung des zuständigen Fachausschusses einen Sperrvermerk.\n\n"
        "Die „Unter-AG Digitalisierung“ soll auf der Mikro- und Makroebene gemeinsam an einer "
        "Verbesserung der Digitalisierung innovativ und zukunftsweisend arbeiten.\n\n"
        "Mit freundlichen Grüßen\n\n"
        "Susanne Sandmann, Fraktionsvorsitzende SPD\n"
        "Lisa Lindemann, Sprecherin der Gruppe Grüne/Linke"
    )


def motion_resolution(budget_year: int) -> str:
    return "Der Kreistag beschließt:\n" + motion_proposal(budget_year)


STRATEGY_TITLE = "Verwaltungsstrategie zur Digitalisierung"


def strategy_text(budget_year: int) -> str:
    """The information paper on the administration's digitalization strategy."""
    return (
        "Der allumfassende Einsatz von Informations- und Kommunikationstechnologie, die "
        "steigende Vernetzung sowie der scheinbar unbegrenzte Datenverkehr haben einen "
        "grundlegenden Wandel der Arbeits- und Lebenswelt ausgelöst. Das Interesse der "
        "Einwohnerinnen und Einwohner, der Unternehmen und der kreisangehörigen Gemeinden an "
        "der Gestaltung des digitalen Wandels ist groß.\n\n"
        "Auf dem Weg zur digitalen Kreisverwaltung ist eine übergreifende Koordinierung und "
        "abgestimmtes Handeln im Zusammenwirken mit den kreisangehörigen Gemeinden, dem "
        "kommunalen IT-Zweckverband sowie Akteurinnen und Akteuren aus Wirtschaft, Wissenschaft "
        "und Politik notwendig. Der Landkreis Leinebergland übernimmt hierbei eine zentrale "
        "Steuerungs- und Moderationsfunktion.\n\n"
        "Die vorliegende Verwaltungsstrategie bildet den ersten Meilenstein für das "
        "Digitalisierungskonzept des Landkreises, das der Antrag zum Haushalt als Voraussetzung "
        "für die Freigabe der gesperrten Mittel vorsieht.\n\n"
        "In diesem Zusammenhang sollen die folgenden Funktionen neu geschaffen werden:\n"
        "· Ernennung einer/eines Digitalisierungsbeauftragten an der Schnittstelle von "
        "Verwaltung und externen Akteurinnen und Akteuren\n"
        "· Einrichtung einer Koordinierungsstelle und Ernennung einer/eines Beauftragten für "
        "digitale Infrastruktur, deren/dessen Hauptaufgaben es sind, den Breitbandausbau im "
        "Kreisgebiet unter Einbeziehung der verwaltungsinternen und -externen Beteiligten zu "
        "koordinieren sowie gemeinsam mit der/dem Digitalisierungsbeauftragten die "
        "Verwaltungsstrategie zu begleiten\n\n"
        "Berücksichtigung von Gender-Aspekten\n\nKeine Auswirkungen\n\n"
        "Kosten\n\n"
        f"Beide Stellen sind in der Haushaltsaufstellung {budget_year} angezeigt. Die "
        "Personalkosten belaufen sich auf ca. 164.400 EUR p. a.\n\n"
        "Finanzielle Mittel zur Umsetzung von Digitalisierungsmaßnahmen sind grundsätzlich "
        "innerhalb der zur Verfügung stehenden Budgets und unter Berücksichtigung "
        "entsprechender Fördermittel zur Verfügung zu stellen. Hierzu zählen sowohl "
        "Investitionen für die Neuanschaffung, Erweiterung und Modernisierung von Hard- und "
        "Software als auch laufende Aufwendungen für Abschreibung, Support und Wartung."
    )
