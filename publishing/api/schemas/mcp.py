"""/v1/mcp: the MCP server's weekly request quota."""

from ninja import Schema


class McpQuotaOut(Schema):
    week: str
    requests_used: int
    requests_limit: int
    quota_exhausted: bool
    resets_at: str
