from tests.services.live_sandbox import connected_account, live_sandbox, sandbox_workspace  # noqa: F401
