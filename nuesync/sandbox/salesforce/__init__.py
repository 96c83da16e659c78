"""A local emulator of the Salesforce REST API (v62.0 subset) for tests, the demo and CI.

`SalesforceSandbox` is the entry point; `nuesync.sandbox.salesforce.faults` documents the
fault-injection methods reachable as `sandbox.faults`.
"""

from nuesync.sandbox.salesforce.errors import ApiError
from nuesync.sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["ApiError", "SalesforceSandbox"]
