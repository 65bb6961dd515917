"""The fields finished in Python after the planned read: the only exceptions to "the statement's
result is the response". Each is finished from what the one statement returned, with no further
round trip (graph/planner.py applies them at their places in the response). A mapping marks such
a field with its `InPython` (`Value(..., python=...)`, `Computed(..., python=...)`), declared next
to the code that finishes it; this is the whole list, and tests/test_planner.py fails when a
mapping uses one that is not on it.

- Activity.before, Activity.after (graph/activity.py `JSON_TEXT`): stored as JSON text.
- Query.issueMap (graph/mapping.py `ISSUE_MAP`) and Query.collaborationNetwork (graph/network.py
  `NETWORK`): thousands of nodes and edges, assembled in Python.
- Query.myData (graph/identity.py `MY_DATA`): a JSON export of everything held about a person.
- The connections' cursors (Edge.cursor, PageInfo.startCursor and endCursor): base64 of the
  order's name and the row's keys (graph/pagination.py), as Cypher has no base64; the planner
  adds these itself.
"""

from __future__ import annotations

from graph import activity, identity, mapping, network

FIELDS_IN_PYTHON = (activity.JSON_TEXT, mapping.ISSUE_MAP, network.NETWORK, identity.MY_DATA)
