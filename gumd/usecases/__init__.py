"""What a user or an assistant asks of gumd, as plain functions and classes over the store and the parts they
need: forget a span of time, the privacy rules, the context bundle for assistants, the next-action prediction.
The API routes, the MCP server and the CLI are thin adapters over these.
"""
