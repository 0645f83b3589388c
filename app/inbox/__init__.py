"""The responder inbox: the observations assigned to one institution, ordered by due date, with
tabs (new, due soon, overdue, awaiting clarification, answered, closed), counts and search."""
