"""From the demo to a live org and tenant: what a real Salesforce org and Nue tenant need before nuesync runs.

Salesforce's side is metadata, so it is generated as a Salesforce DX project an admin deploys
(`salesforce`: the project, `fields`: the field definitions it and `doctor` share, `metadata`: the
XML documents). Nue documents no API for its settings, so its side is a checklist (`nue`). Both
point deliveries at the listener (`listener`).
"""
