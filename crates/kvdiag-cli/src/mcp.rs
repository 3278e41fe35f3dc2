//! `kvdiag mcp`: a Model Context Protocol server over standard input and output, built on the
//! official Rust SDK (`rmcp`). It offers the analysis to AI agents as tools: `analyze`,
//! `list_rules`, `explain_rule` and `diff`, each with an input and an output schema, answering
//! with structured content and a text rendering of it.
//!
//! Paths are confined to the roots the server was started with: a path outside them, or a
//! symbolic link under them that leads outside, is refused. Every problem with a call (bad
//! arguments, a missing path, a panic while reading) is a tool result with `isError`, never the
//! end of the server. Nothing here runs a command or changes a cluster.
//!
//! The arguments of this subcommand live here rather than in `cli.rs`, beside the only code
//! that reads them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use rmcp::handler::server::common::{schema_for_output, schema_for_type};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::JsonObject;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use kvdiag::report::markdown;
use kvdiag::{RuleSet, Snapshot};

use crate::cli::{LimitArgs, RuleArgs};

/// Arguments of `kvdiag mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// A directory the tools may read under (repeatable). Default: the working directory.
    /// Paths outside every root, and symbolic links under a root that lead outside, are refused.
    #[arg(long = "root", value_name = "DIR")]
    pub roots: Vec<PathBuf>,

    #[command(flatten)]
    pub rules: RuleArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Subjects per page when a call gives no `limit`.
const DEFAULT_LIMIT: usize = 50;
/// The most subjects (or rules) one page holds, whatever `limit` asks.
const MAX_LIMIT: usize = 500;
/// The longest text rendering returned; the structured content is paged, the text cut here.
const MAX_TEXT: usize = 256 * 1024;
/// The most unreadable inputs listed in one answer (all are counted).
const MAX_FAILED_LISTED: usize = 100;

/// Runs the server until the client closes standard input.
pub fn run(args: McpArgs) -> Result<u8, crate::Error> {
    let rules = crate::load_rules(&args.rules.rule_paths, !args.rules.no_builtin_rules)?;
    let roots = if args.roots.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.roots.clone()
    };
    let mut canonical = Vec::new();
    for r in &roots {
        let root_error = |source| crate::Error::Root {
            path: r.display().to_string(),
            source,
        };
        let c = std::fs::canonicalize(r).map_err(root_error)?;
        if !c.is_dir() {
            return Err(root_error(std::io::Error::other("not a directory")));
        }
        canonical.push(c);
    }
    let server = Server {
        state: Arc::new(State {
            rules,
            roots: canonical,
            limits: args.limits.limits(),
        }),
        tool_router: Server::tool_router(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Mcp(e.to_string()))?;
    runtime.block_on(async move {
        let service = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| crate::Error::Mcp(e.to_string()))?;
        service
            .waiting()
            .await
            .map_err(|e| crate::Error::Mcp(e.to_string()))?;
        Ok::<(), crate::Error>(())
    })?;
    Ok(crate::CLEAN)
}

/// What every call shares: the rules, the roots, the limits.
struct State {
    rules: RuleSet,
    roots: Vec<PathBuf>,
    limits: kvdiag::Limits,
}

#[derive(Clone)]
struct Server {
    state: Arc<State>,
    tool_router: ToolRouter<Server>,
}

/// Output format of the text content (the structured content is always JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum TextFormat {
    /// The report for people and agents: root cause, details, proposed fix, confirmation,
    /// verify.
    #[default]
    Markdown,
    /// The structured content, as JSON text.
    Json,
}

/// Arguments of `analyze`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AnalyzeParams {
    /// Files, directories or archives to read (must-gathers, `oc adm inspect` trees, support
    /// bundles, saved `oc` output, logs; .tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2, .zip),
    /// under the server's roots. Relative paths are read from the first root.
    paths: Vec<String>,
    /// Report only the subjects of these namespaces.
    #[serde(default)]
    namespaces: Vec<String>,
    /// Report only these VMs: `NAME` (in any namespace, or those of `namespaces`) or `NS/NAME`.
    #[serde(default)]
    vms: Vec<String>,
    /// Format of the text content: `markdown` (default) or `json`.
    #[serde(default)]
    format: TextFormat,
    /// Also say, per subject, which inputs were not captured and which rules could therefore
    /// not run.
    #[serde(default)]
    explain: bool,
    /// Run only these rules: rule ids (`runtime/oom-killed`), id prefixes (`runtime/`), causes
    /// (`cause:oom-killed`) or `ALL`, as `kvdiag analyze --select`.
    #[serde(default)]
    select: Vec<String>,
    /// Do not run these rules (the same selectors); the most specific selector decides.
    #[serde(default)]
    ignore: Vec<String>,
    /// Also list the subjects without findings (default: only those with findings).
    #[serde(default)]
    all_subjects: bool,
    /// The first subject of the page (0-based; see `page.next_offset`).
    #[serde(default)]
    offset: usize,
    /// Subjects per page (default 50, at most 500).
    limit: Option<usize>,
}

/// Where a page starts and ends.
#[derive(Debug, Serialize, JsonSchema)]
struct Page {
    /// Index of the first item returned.
    offset: usize,
    /// Items returned.
    returned: usize,
    /// Items in all (after the filters).
    total: usize,
    /// The `offset` of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_offset: Option<usize>,
}

impl Page {
    fn of(offset: usize, limit: Option<usize>, total: usize) -> (Page, std::ops::Range<usize>) {
        let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let start = offset.min(total);
        let end = start.saturating_add(limit).min(total);
        let page = Page {
            offset: start,
            returned: end - start,
            total,
            next_offset: (end < total).then_some(end),
        };
        (page, start..end)
    }
}

/// What was read, in short.
#[derive(Debug, Serialize, JsonSchema)]
struct InputsBrief {
    /// Inputs read.
    read: usize,
    /// Inputs skipped by path (not evidence).
    skipped: usize,
    /// Inputs that could not be read, counted.
    failed: usize,
    /// The first unreadable inputs, each with its reason (`source`, `reason`).
    failed_listed: Vec<Value>,
}

/// The answer of `analyze`: one page of the `kvdiag/v1` report.
#[derive(Debug, Serialize, JsonSchema)]
struct AnalyzeOutput {
    /// `kvdiag/v1`.
    schema: String,
    /// The moment the captures describe, and where that came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_time: Option<Value>,
    /// Counts over every subject that passed the filters (not only this page).
    summary: Value,
    /// This page's subjects (`kind`, `namespace`, `name`, `status`, `diagnoses`, `worst`).
    subjects: Vec<Value>,
    /// The diagnoses of this page's subjects, most severe first, each with its evidence,
    /// remediation, options and verify steps (proposals: nothing was executed).
    diagnoses: Vec<Value>,
    /// With `explain`: per subject, the inputs not captured and the rules they kept from running.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coverage: Vec<Value>,
    /// What was read.
    inputs: InputsBrief,
    /// The page.
    page: Page,
}

/// Arguments of `list_rules`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListRulesParams {
    /// Only the rules of this cause code.
    cause: Option<String>,
}

/// One rule, in short.
#[derive(Debug, Serialize, JsonSchema)]
struct RuleBrief {
    /// Stable id, e.g. `runtime/oom-killed`.
    id: String,
    /// The cause code it diagnoses.
    cause: String,
    /// Its severity.
    severity: kvdiag::Severity,
    /// One line naming the problem.
    title: String,
}

/// One cause, in short.
#[derive(Debug, Serialize, JsonSchema)]
struct CauseBrief {
    /// The cause code.
    code: String,
    /// Default severity of its rules.
    severity: kvdiag::Severity,
    /// One line naming the cause.
    title: String,
    /// The ids of its rules.
    rules: Vec<String>,
}

/// The answer of `list_rules`.
#[derive(Debug, Serialize, JsonSchema)]
struct ListRulesOutput {
    /// The rules loaded.
    rules: Vec<RuleBrief>,
    /// The causes known (all of them, whatever the filter).
    causes: Vec<CauseBrief>,
}

/// Arguments of `explain_rule`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExplainParams {
    /// A rule id (`runtime/oom-killed`) or a cause code (`oom-killed`).
    id: String,
}

/// The answer of `explain_rule`.
#[derive(Debug, Serialize, JsonSchema)]
struct ExplainOutput {
    /// The id or code asked about.
    id: String,
    /// The rule, when `id` names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<RuleBrief>,
    /// The cause, when `id` names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<CauseBrief>,
    /// The documentation (Markdown): what it means, when it fires, what to do, how to verify.
    documentation: String,
}

/// Arguments of `diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DiffParams {
    /// The capture taken before the fix: files, directories or archives under the roots.
    before: Vec<String>,
    /// The capture taken after the fix.
    after: Vec<String>,
    /// Format of the text content: `markdown` (default) or `json`.
    #[serde(default)]
    format: TextFormat,
    /// Run only these rules: rule ids (`runtime/oom-killed`), id prefixes (`runtime/`), causes
    /// (`cause:oom-killed`) or `ALL`, for both captures.
    #[serde(default)]
    select: Vec<String>,
    /// Do not run these rules (the same selectors); the most specific selector decides.
    #[serde(default)]
    ignore: Vec<String>,
    /// Also list the VMs unchanged and without findings (default: only those with something to
    /// say).
    #[serde(default)]
    all_subjects: bool,
    /// The first VM of the page (0-based).
    #[serde(default)]
    offset: usize,
    /// VMs per page (default 50, at most 500).
    limit: Option<usize>,
}

/// The answer of `diff`: one page of the comparison.
#[derive(Debug, Serialize, JsonSchema)]
struct DiffOutput {
    /// The comparison (`kvdiag-diff/v1`), its `vms` cut to this page.
    #[serde(flatten)]
    diff: kvdiag::diff::Diff,
    /// The page.
    page: Page,
}

/// A tool error: a result with `isError`, its message as text.
fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

/// A successful result: `value` as structured content, `text` as its rendering (cut at
/// [`MAX_TEXT`]).
fn tool_ok(value: &impl Serialize, text: String) -> CallToolResult {
    let structured = match serde_json::to_value(value) {
        Ok(v) => v,
        Err(e) => return tool_error(format!("could not serialise the answer: {e}")),
    };
    let mut result = CallToolResult::structured(structured);
    result.content = vec![ContentBlock::text(cut(text))];
    result
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(
            "\n\n… (cut: the text is limited to 256 KiB; narrow with `namespaces`, `vms` or a \
             smaller `limit`, or read the structured content)\n",
        );
    }
    text
}

/// Reads the tool's arguments, or says what is wrong with them.
fn params<T: serde::de::DeserializeOwned>(tool: &str, args: JsonObject) -> Result<T, String> {
    serde_json::from_value(Value::Object(args))
        .map_err(|e| format!("{tool}: invalid arguments: {e}"))
}

impl State {
    /// The canonical path of `given`, when it lies under a root and no symbolic link under it
    /// leads outside the roots.
    fn confine(&self, given: &str) -> Result<PathBuf, String> {
        if given.is_empty() {
            return Err("an empty path".to_owned());
        }
        let p = Path::new(given);
        let joined = if p.is_absolute() {
            p.to_owned()
        } else {
            // The first root: canonical, so a relative path is read from it.
            self.roots
                .first()
                .map_or_else(|| p.to_owned(), |r| r.join(p))
        };
        let canonical = std::fs::canonicalize(&joined).map_err(|e| format!("`{given}`: {e}"))?;
        if !self.inside(&canonical) {
            return Err(format!(
                "`{given}` is outside the roots this server reads ({}); start it with \
                 `kvdiag mcp --root DIR` to allow another folder",
                self.roots_list()
            ));
        }
        if canonical.is_dir() {
            // Links to files are read by kvdiag: none may lead outside the roots.
            for entry in walkdir::WalkDir::new(&canonical).follow_links(false) {
                let Ok(entry) = entry else { continue };
                if !entry.path_is_symlink() {
                    continue;
                }
                // A broken or looping link is reported by the reader as unreadable.
                if let Ok(target) = std::fs::canonicalize(entry.path())
                    && !self.inside(&target)
                {
                    return Err(format!(
                        "`{}` is a symbolic link leading outside the roots this server reads \
                         ({}): refused",
                        entry.path().display(),
                        self.roots_list()
                    ));
                }
            }
        }
        Ok(canonical)
    }

    fn inside(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }

    fn roots_list(&self) -> String {
        self.roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A snapshot of `paths`, confined and bounded.
    fn snapshot(&self, paths: &[String]) -> Result<Snapshot, String> {
        if paths.is_empty() {
            return Err("no paths: give at least one file, directory or archive".to_owned());
        }
        let mut confined = Vec::new();
        for p in paths {
            confined.push(self.confine(p)?);
        }
        let mut snapshot = Snapshot::builder();
        snapshot.keep_log_lines_for(&self.rules);
        snapshot.limits(self.limits.clone());
        for p in &confined {
            kvdiag_fs::add_path(&mut snapshot, p).map_err(|e| e.to_string())?;
        }
        Ok(snapshot.build())
    }

    /// The server's rules narrowed by a `select` / `ignore` pair (as the CLI's flags).
    fn selected(
        &self,
        select: &[String],
        ignore: &[String],
    ) -> Result<std::borrow::Cow<'_, RuleSet>, String> {
        if select.is_empty() && ignore.is_empty() {
            return Ok(std::borrow::Cow::Borrowed(&self.rules));
        }
        let selection = kvdiag::rules::Selection::new(select, ignore).map_err(|e| e.to_string())?;
        self.rules
            .select(&selection)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| e.to_string())
    }

    fn analyze(&self, p: AnalyzeParams) -> Result<CallToolResult, String> {
        let rules = self.selected(&p.select, &p.ignore)?;
        let snapshot = self.snapshot(&p.paths)?;
        let options = kvdiag::Options::default().explain(p.explain);
        let subjects = kvdiag::correlate(&snapshot);
        let mut report = kvdiag::analyze_subjects(&rules, &snapshot, &subjects, &options);
        if !p.namespaces.is_empty() || !p.vms.is_empty() {
            report.retain_subjects(|s| wants(&p.namespaces, &p.vms, s));
        }
        if !p.all_subjects {
            let with: BTreeSet<kvdiag::ObjectRef> =
                report.diagnoses.iter().map(|d| d.subject.clone()).collect();
            report.retain_subjects(|s| with.contains(s));
        }
        let summary = to_value(&report.summary);
        // The most severe subjects first, as the renderers show them.
        let mut order: Vec<kvdiag::ObjectRef> = {
            let mut s: Vec<_> = report.subjects.iter().collect();
            s.sort_by_key(|s| std::cmp::Reverse(s.worst));
            s.into_iter().map(|s| s.subject.clone()).collect()
        };
        let (page, range) = Page::of(p.offset, p.limit, order.len());
        let keep: BTreeSet<kvdiag::ObjectRef> = order.drain(range).collect();
        report.retain_subjects(|s| keep.contains(s));
        let i = &report.inputs;
        let output = AnalyzeOutput {
            schema: kvdiag::report::SCHEMA.to_owned(),
            capture_time: report.capture_time.as_ref().map(to_value),
            summary,
            subjects: report.subjects.iter().map(to_value).collect(),
            diagnoses: report.diagnoses.iter().map(to_value).collect(),
            coverage: report.coverage.iter().map(to_value).collect(),
            inputs: InputsBrief {
                read: i.read.len(),
                skipped: i.skipped.len(),
                failed: i.failed.len(),
                failed_listed: i
                    .failed
                    .iter()
                    .take(MAX_FAILED_LISTED)
                    .map(to_value)
                    .collect(),
            },
            page,
        };
        let text = match p.format {
            TextFormat::Markdown => {
                let mut text = markdown::render(&report);
                if let Some(next) = output.page.next_offset {
                    text.push_str(&format!(
                        "\nSubjects {}–{} of {}: call again with `offset: {next}` for more.\n",
                        output.page.offset + 1,
                        output.page.offset + output.page.returned,
                        output.page.total
                    ));
                }
                text
            }
            TextFormat::Json => serde_json::to_string_pretty(&output).unwrap_or_default(),
        };
        Ok(tool_ok(&output, text))
    }

    fn list_rules(&self, p: ListRulesParams) -> Result<CallToolResult, String> {
        if let Some(c) = &p.cause
            && self.rules.cause(c).is_none()
        {
            return Err(format!("no cause `{c}`{}", self.suggest(c)));
        }
        let rules: Vec<RuleBrief> = self
            .rules
            .rules()
            .iter()
            .filter(|r| p.cause.as_deref().is_none_or(|c| r.cause == c))
            .map(rule_brief)
            .collect();
        let causes: Vec<CauseBrief> = self
            .rules
            .causes()
            .iter()
            .map(|c| self.cause_brief(c))
            .collect();
        let mut text =
            String::from("| rule | cause | severity | title |\n| --- | --- | --- | --- |\n");
        for r in &rules {
            text.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                r.id, r.cause, r.severity, r.title
            ));
        }
        Ok(tool_ok(&ListRulesOutput { rules, causes }, text))
    }

    fn explain(&self, p: ExplainParams) -> Result<CallToolResult, String> {
        let rule = self.rules.get(&p.id);
        let cause = self.rules.cause(&p.id);
        let documentation = match (rule, cause) {
            (Some(r), Some(c)) => format!(
                "{}\n{}",
                kvdiag::rules::docs::explain(r),
                kvdiag::rules::docs::explain_cause(&self.rules, c)
            ),
            (Some(r), None) => kvdiag::rules::docs::explain(r),
            (None, Some(c)) => kvdiag::rules::docs::explain_cause(&self.rules, c),
            (None, None) => {
                return Err(format!(
                    "no rule or cause `{}`{} (call `list_rules` for the ids)",
                    p.id,
                    self.suggest(&p.id)
                ));
            }
        };
        let output = ExplainOutput {
            id: p.id.clone(),
            rule: rule.map(rule_brief),
            cause: cause.map(|c| self.cause_brief(c)),
            documentation: documentation.clone(),
        };
        Ok(tool_ok(&output, documentation))
    }

    fn diff(&self, p: DiffParams) -> Result<CallToolResult, String> {
        let rules = self.selected(&p.select, &p.ignore)?;
        let before = self
            .snapshot(&p.before)
            .map_err(|e| format!("before: {e}"))?;
        let after = self.snapshot(&p.after).map_err(|e| format!("after: {e}"))?;
        let mut diff = kvdiag::diff::diff(&rules, &before, &after);
        if !p.all_subjects {
            diff.vms.retain(|v| {
                v.outcome != kvdiag::diff::Outcome::Unchanged
                    || !v.resolved.is_empty()
                    || !v.new.is_empty()
            });
        }
        let (page, range) = Page::of(p.offset, p.limit, diff.vms.len());
        diff.vms = diff.vms.drain(range).collect();
        let text = match p.format {
            TextFormat::Markdown => diff.to_markdown(),
            TextFormat::Json => String::new(),
        };
        let output = DiffOutput { diff, page };
        let text = if text.is_empty() {
            serde_json::to_string_pretty(&output).unwrap_or_default()
        } else {
            text
        };
        Ok(tool_ok(&output, text))
    }

    fn suggest(&self, word: &str) -> String {
        self.rules
            .suggest(word)
            .map(|n| format!(": did you mean `{n}`?"))
            .unwrap_or_default()
    }

    fn cause_brief(&self, c: &kvdiag::CauseInfo) -> CauseBrief {
        CauseBrief {
            code: c.code.to_string(),
            severity: c.severity,
            title: c.title.clone(),
            rules: self
                .rules
                .rules_of(c.code.code())
                .map(|r| r.id.clone())
                .collect(),
        }
    }
}

fn rule_brief(r: &kvdiag::Rule) -> RuleBrief {
    RuleBrief {
        id: r.id.clone(),
        cause: r.cause.to_string(),
        severity: r.severity,
        title: r.title.clone(),
    }
}

fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Whether a subject passes the `namespaces` and `vms` filters (as `analyze -n`/`--vm`).
fn wants(namespaces: &[String], vms: &[String], subject: &kvdiag::ObjectRef) -> bool {
    let ns = subject.namespace.as_deref().unwrap_or("");
    let in_namespace = namespaces.is_empty() || namespaces.iter().any(|n| n == ns);
    let is_vm = vms.is_empty()
        || vms.iter().any(|v| match v.split_once('/') {
            Some((n, name)) => n == ns && name == subject.name,
            None => *v == subject.name,
        });
    in_namespace && is_vm
}

impl Server {
    /// Runs `work` on a blocking thread: reading a must-gather takes time, and a panic there
    /// becomes a tool error instead of ending the server.
    async fn call<P, F>(&self, tool: &'static str, args: JsonObject, work: F) -> CallToolResult
    where
        P: serde::de::DeserializeOwned + Send + 'static,
        F: FnOnce(&State, P) -> Result<CallToolResult, String> + Send + 'static,
    {
        let p: P = match params(tool, args) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        let state = Arc::clone(&self.state);
        match tokio::task::spawn_blocking(move || work(&state, p)).await {
            Ok(Ok(result)) => result,
            Ok(Err(message)) => tool_error(format!("{tool}: {message}")),
            Err(e) => tool_error(format!("{tool}: failed unexpectedly: {e}")),
        }
    }
}

#[tool_router]
impl Server {
    /// Diagnose the failing KubeVirt VMs of captured files (a must-gather, saved `oc` output,
    /// an archive) offline: per VM the root cause, the evidence, proposed fixes and how to
    /// verify them. Nothing is executed and no cluster is contacted. Results list the subjects
    /// with findings and are paged (`offset`, `limit`).
    #[tool(
        name = "analyze",
        input_schema = schema_for_type::<AnalyzeParams>(),
        output_schema = schema_for_output::<AnalyzeOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn analyze(&self, args: JsonObject) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .call("analyze", args, |s: &State, p: AnalyzeParams| s.analyze(p))
            .await)
    }

    /// List the diagnosis rules and the causes they diagnose.
    #[tool(
        name = "list_rules",
        input_schema = schema_for_type::<ListRulesParams>(),
        output_schema = schema_for_output::<ListRulesOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_rules(&self, args: JsonObject) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .call("list_rules", args, |s: &State, p: ListRulesParams| {
                s.list_rules(p)
            })
            .await)
    }

    /// Explain one rule (by id, e.g. `runtime/oom-killed`) or one cause (by code, e.g.
    /// `oom-killed`): what it means, when it fires, the proposed fix and how to verify it.
    #[tool(
        name = "explain_rule",
        input_schema = schema_for_type::<ExplainParams>(),
        output_schema = schema_for_output::<ExplainOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn explain_rule(&self, args: JsonObject) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .call("explain_rule", args, |s: &State, p: ExplainParams| {
                s.explain(p)
            })
            .await)
    }

    /// Verify a fix: compare a capture taken before it with one taken after. Per VM, which
    /// diagnoses are resolved, persist or are new, and what changed in the state to watch
    /// (printableStatus, VMI phase, start failures, new launcher pods and VMIs). A VM missing
    /// from the second capture is reported as gone, not as fixed.
    #[tool(
        name = "diff",
        input_schema = schema_for_type::<DiffParams>(),
        output_schema = schema_for_output::<DiffOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn diff(&self, args: JsonObject) -> Result<CallToolResult, ErrorData> {
        Ok(self
            .call("diff", args, |s: &State, p: DiffParams| s.diff(p))
            .await)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("kvdiag", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "kvdiag diagnoses failing KubeVirt VMs offline, from captured files (a \
                 must-gather, `oc get -o yaml` output, logs, archives) under this server's \
                 roots. It never contacts or changes a cluster: a cluster MCP server (or `oc \
                 adm must-gather`) captures, kvdiag diagnoses and proposes, a person confirms \
                 and runs the fix, and `diff` of a capture taken before and one taken after \
                 verifies it.",
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        let (p, r) = Page::of(0, None, 120);
        assert_eq!((r, p.next_offset), (0..50, Some(50)));
        let (p, r) = Page::of(100, Some(10_000), 120);
        assert_eq!((r, p.next_offset), (100..120, None));
        let (p, r) = Page::of(500, Some(0), 3);
        assert_eq!((r, p.returned), (3..3, 0));
    }

    #[test]
    fn output_schemas_are_objects() {
        for schema in [
            schema_for_output::<AnalyzeOutput>(),
            schema_for_output::<ListRulesOutput>(),
            schema_for_output::<ExplainOutput>(),
            schema_for_output::<DiffOutput>(),
        ] {
            assert_eq!(
                schema.get("type"),
                Some(&Value::from("object")),
                "{schema:?}"
            );
        }
    }

    #[test]
    fn text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT);
        let cut = cut(long);
        assert!(cut.len() < MAX_TEXT + 300 && cut.ends_with("structured content)\n"));
    }
}
