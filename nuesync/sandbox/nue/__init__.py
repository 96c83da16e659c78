"""A local emulator of the Nue API (REST + GraphQL) for tests, benchmarks and the demo.

`NueSandbox` is the entry point; `app.py` lists what is documented by Nue and what is assumed,
`faults.py` the instrumentation and fault injection, `graphql_schema.py` the GraphQL surface.
"""

from nuesync.sandbox.nue.errors import NueApiError
from nuesync.sandbox.nue.sandbox import NueSandbox

__all__ = ["NueApiError", "NueSandbox"]
