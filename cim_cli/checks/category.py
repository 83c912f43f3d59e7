"""An activity's category is not in the programme's catalogue, or does not fit its location.

The institution decides what counts: ``category`` must be one of the ids in
the programme's catalogue (``cim programme show`` lists them). A category
meant for activities abroad recorded as ``home`` (or the other way round) is
a warning: check the record, or choose another category.
"""

import difflib

from cim_cli.findings import Problem

ID = "category-unknown"
SEVERITY = "error"


def check(portfolio, programme):
    catalogue = programme.catalogue
    for activity in portfolio.activities:
        category = activity.data.get("category")
        if not isinstance(category, str) or not category:
            continue  # the schema rule reports a missing or malformed category
        line, col = activity.record.source.locate(("category",))
        entry = catalogue.get(category)
        if entry is None:
            guess = difflib.get_close_matches(category, list(catalogue), n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            yield Problem(activity.file, line, col, f"category '{category}' is not in the catalogue; {hint}choose one of: {', '.join(catalogue)}")
            continue
        where, location = entry.get("location", "any"), activity.data.get("location")
        if where in ("home", "abroad") and location in ("home", "abroad") and where != location:
            yield Problem(activity.file, line, col, f"category '{category}' is an activity {'at ' if where == 'home' else ''}{where}, but location is {location}", "warning")
