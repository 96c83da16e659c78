"""nuesync: keep draft orders in step between Nue and Salesforce."""

__version__ = "0.1.0"
