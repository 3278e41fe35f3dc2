"""Drives `kvdiag mcp` with the official MCP Python SDK (the `mcp` package), as an agent would.

Run by tests/mcp_client.rs (which installs the pinned SDK in a virtual environment):

    python mcp_client.py KVDIAG_BINARY ROOT OUTSIDE

ROOT holds `oom/` (fixtures/oom-killed), `running/` (fixtures/diff/rhel9-db-running),
`healthy/` (fixtures/healthy-noise, another VM without findings),
`binary.yaml` (binary bytes), `bomb.json.gz` (a gzip stream over the server's decompression
limit) and `leaky/` (a folder holding a symbolic link to a file outside ROOT). OUTSIDE is a
folder outside ROOT. Every check that fails raises; the exit status says whether all passed.
"""

import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

TOOLS = {"analyze", "list_rules", "explain_rule", "diff"}


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(f"{what}\n{detail}")
    print(f"ok  {what}")


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


async def expect_error(session, tool, arguments, needle, what):
    result = await session.call_tool(tool, arguments)
    text = text_of(result)
    check(result.is_error, f"{what}: isError", text)
    check(needle in text, f"{what}: says {needle!r}", text)


async def run(binary, root, outside):
    params = StdioServerParameters(
        command=binary,
        args=["mcp", "--root", root, "--max-decompressed-size", "64K"],
    )
    async with stdio_client(params) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.server_info.name == "kvdiag", "initialize names the server", init)
            check(init.capabilities.tools is not None, "the server offers tools")

            listed = await session.list_tools()
            names = {t.name for t in listed.tools}
            check(names == TOOLS, "tools/list gives the four tools", names)
            for t in listed.tools:
                check(t.input_schema.get("type") == "object", f"{t.name} has an input schema")
                check(
                    t.output_schema is not None and t.output_schema.get("type") == "object",
                    f"{t.name} has an output schema",
                )

            # analyze: structured content (validated by the SDK against the output schema)
            # and the markdown report in the guide's shape.
            result = await session.call_tool("analyze", {"paths": ["oom"]})
            text = text_of(result)
            check(not result.is_error, "analyze oom succeeds", text)
            sc = result.structured_content
            check(sc["schema"] == "kvdiag/v1", "analyze answers kvdiag/v1", sc)
            causes = [d["cause"] for d in sc["diagnoses"]]
            check(causes == ["oom-killed"], "analyze finds the OOM kill", causes)
            check(sc["diagnoses"][0]["options"], "the OOM finding carries options", sc)
            check(sc["diagnoses"][0]["verify"], "the OOM finding carries verify steps", sc)
            for needle in ("**Root cause**", "**Details**", "Option 1", "**Confirmation required**", "**Verify**"):
                check(needle in text, f"the markdown has {needle}", text)

            result = await session.call_tool("analyze", {"paths": ["oom"], "format": "json"})
            check(json.loads(text_of(result))["schema"] == "kvdiag/v1", "format json gives JSON text")

            # Default: subjects with findings only; all_subjects and paging.
            result = await session.call_tool("analyze", {"paths": ["oom", "healthy"]})
            names = [s["name"] for s in result.structured_content["subjects"]]
            check(names == ["rhel9-db"], "by default only subjects with findings", names)
            result = await session.call_tool(
                "analyze", {"paths": ["oom", "healthy"], "all_subjects": True, "limit": 1}
            )
            page = result.structured_content["page"]
            check(
                (page["returned"], page["total"], page.get("next_offset")) == (1, 2, 1),
                "a page of one subject names the next offset",
                page,
            )
            result = await session.call_tool(
                "analyze", {"paths": ["oom"], "namespaces": ["elsewhere"]}
            )
            check(result.structured_content["subjects"] == [], "namespaces filter", result)

            # Rule selection, as the CLI's --select / --ignore.
            result = await session.call_tool(
                "analyze", {"paths": ["oom"], "ignore": ["cause:oom-killed"]}
            )
            causes = [d["cause"] for d in result.structured_content["diagnoses"]]
            check("oom-killed" not in causes, "ignore drops the rules of a cause", causes)
            result = await session.call_tool(
                "analyze", {"paths": ["oom"], "select": ["runtime/"]}
            )
            causes = [d["cause"] for d in result.structured_content["diagnoses"]]
            check(causes == ["oom-killed"], "select by id prefix keeps the runtime rules", causes)
            await expect_error(
                session, "analyze", {"paths": ["oom"], "select": ["no/such-rule"]}, "no/such-rule", "a selector matching no rule"
            )

            # list_rules and explain_rule.
            result = await session.call_tool("list_rules", {})
            rules = result.structured_content["rules"]
            check(len(rules) > 20 and not result.is_error, "list_rules lists the rules", len(rules))
            result = await session.call_tool("list_rules", {"cause": "oom-killed"})
            check(
                {r["cause"] for r in result.structured_content["rules"]} == {"oom-killed"},
                "list_rules filters by cause",
            )
            result = await session.call_tool("explain_rule", {"id": "runtime/oom-killed"})
            doc = result.structured_content["documentation"]
            check(not result.is_error and "Options" in doc, "explain_rule documents a rule", doc)
            result = await session.call_tool("explain_rule", {"id": "oom-killed"})
            check(result.structured_content["cause"]["code"] == "oom-killed", "explain_rule documents a cause")
            await expect_error(session, "explain_rule", {"id": "runtime/oom-kiled"}, "did you mean", "an unknown rule")

            # diff: the verify step.
            result = await session.call_tool("diff", {"before": ["oom"], "after": ["running"]})
            check(not result.is_error, "diff succeeds", text_of(result))
            vms = result.structured_content["vms"]
            check([v["outcome"] for v in vms] == ["fixed"], "diff: the VM is fixed", vms)
            check("CrashLoopBackOff → Running" in text_of(result), "diff text shows the status change")
            result = await session.call_tool("diff", {"before": ["oom"], "after": ["oom"], "format": "json"})
            check(
                json.loads(text_of(result))["vms"][0]["outcome"] == "persisting",
                "diff: the same capture twice persists",
            )

            result = await session.call_tool("diff", {"before": ["oom"], "after": ["healthy"], "all_subjects": True})
            outcomes = {v["name"]: v["outcome"] for v in result.structured_content["vms"]}
            check(
                outcomes == {"rhel9-db": "gone", "intranet-portal": "appeared"},
                "diff: a VM missing after is gone, not fixed",
                outcomes,
            )

            # Refused paths.
            await expect_error(session, "analyze", {"paths": [outside]}, "outside the roots", "a path outside the root")
            await expect_error(session, "analyze", {"paths": ["../"]}, "outside the roots", "a relative path leading out")
            await expect_error(session, "analyze", {"paths": ["leaky"]}, "symbolic link", "a link leading out")
            await expect_error(session, "diff", {"before": ["oom"], "after": [outside]}, "after:", "diff with a path outside")
            await expect_error(session, "analyze", {"paths": ["no-such-dir"]}, "no-such-dir", "a missing path")
            await expect_error(session, "analyze", {"paths": []}, "no paths", "no paths")

            # Malformed arguments.
            await expect_error(session, "analyze", {"paths": "oom"}, "invalid arguments", "paths as a string")
            await expect_error(session, "analyze", {"paths": ["oom"], "limit": "ten"}, "invalid arguments", "limit as text")
            await expect_error(session, "analyze", {"paths": ["oom"], "bogus": 1}, "unknown field", "an unknown argument")
            await expect_error(session, "explain_rule", {}, "missing field", "a missing argument")
            await expect_error(session, "analyze", {"paths": ["oom"], "format": "html"}, "invalid arguments", "an unknown format")

            # Bad input files are reported in the answer, not fatal.
            result = await session.call_tool("analyze", {"paths": ["binary.yaml", "bomb.json.gz"], "all_subjects": True})
            inputs = result.structured_content["inputs"]
            check(not result.is_error and inputs["failed"] == 2, "a binary file and a bomb are unreadable inputs", inputs)
            reasons = " ".join(f["reason"] for f in inputs["failed_listed"])
            check("max-decompressed-size" in reasons, "the bomb stops at the decompression limit", reasons)

            # An unknown tool is refused (a protocol error, as the MCP specification says)...
            try:
                result = await session.call_tool("no_such_tool", {})
                check(result.is_error, "an unknown tool is an error", result)
            except MCPError as e:
                check("no_such_tool" in str(e) or "not found" in str(e).lower(), "an unknown tool is refused", e)
            # ... and the server keeps serving after everything above.
            result = await session.call_tool("list_rules", {})
            check(not result.is_error, "the server still serves")


def main():
    binary, root, outside = sys.argv[1:4]
    asyncio.run(run(binary, root, outside))
    print("all MCP client checks passed")


if __name__ == "__main__":
    main()
