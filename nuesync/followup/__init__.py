"""`nuesync followup`: a Salesforce Task for the Account's owner on each abandoned self-service cart.

A cart is a Nue-origin draft that was pulled into Salesforce (linked both ways), is still a draft
in both systems, and has not changed in either for longer than `[followup] older_than`. Each gets
one Task, related to the Salesforce Order and keyed by the cart's Nue order id in a Task field,
so neither a re-run nor a lost journal ever gives a cart a second task. `rules` decides without
I/O, `run` reads, writes and journals inside a `SyncRun`, `render` shows it.
"""
