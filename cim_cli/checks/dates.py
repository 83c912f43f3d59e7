"""An activity's dates are out of order or in the future.

``end`` may not be before ``start`` (an error). A start date in the future is
a warning: record an activity once it has taken place.
"""

import datetime

from cim_cli.findings import Problem
from cim_cli.validation import is_date

ID = "date-order"
SEVERITY = "error"


def check(portfolio, programme, today: datetime.date | None = None):
    today = today or datetime.date.today()
    for activity in portfolio.activities:
        start, end = activity.data.get("start"), activity.data.get("end")
        if is_date(start) and is_date(end) and end < start:
            line, col = activity.record.source.locate(("end",))
            yield Problem(activity.file, line, col, f"end {end} is before start {start}")
        if is_date(start) and datetime.date.fromisoformat(start) > today:
            line, col = activity.record.source.locate(("start",))
            yield Problem(activity.file, line, col, f"start {start} is in the future; record the activity once it has taken place", "warning")
