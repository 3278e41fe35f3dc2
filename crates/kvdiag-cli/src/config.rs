//! The configuration file (`kvdiag.toml`) and the effective settings: flags beat environment
//! variables, which beat the file, which beats the defaults. Each value keeps where it came
//! from, for `kvdiag config`.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use toml::Spanned;

use crate::cli::{ColorChoice, FailOn, Format, Settings, parse_size};

/// The file searched for upward from the working directory.
pub const FILE_NAME: &str = "kvdiag.toml";

/// The contents of a configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    rules: Option<Vec<Spanned<PathBuf>>>,
    builtin_rules: Option<bool>,
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    fail_on: Option<FailOn>,
    output: Option<Format>,
    output_file: Option<Spanned<PathBuf>>,
    strict: Option<bool>,
    color: Option<ColorChoice>,
    limits: Option<FileLimits>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileLimits {
    max_document_size: Option<Spanned<Size>>,
    max_line_length: Option<Spanned<Size>>,
    max_archive_entries: Option<u64>,
    max_decompressed_size: Option<Spanned<Size>>,
    max_compression_ratio: Option<u64>,
}

/// A size written as a number of bytes or as text with a unit (`"512M"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

/// How the configuration file was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoundBy {
    /// `--config`.
    Flag,
    /// `KVDIAG_CONFIG`.
    Env,
    /// Searched upward from the working directory: it may lie inside a customer's capture, so
    /// it may not name an output file nor load rules from outside its folder.
    Search,
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Nobody set it.
    Default,
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Flag => f.write_str("flag"),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// One setting and where it came from.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// The configuration file read, if any.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Its path.
    pub path: PathBuf,
    /// How it was chosen.
    pub found_by: FoundBy,
}

/// Every setting of `analyze`, resolved.
#[derive(Debug)]
pub struct Effective {
    pub file: Option<Loaded>,
    pub output: Setting<Format>,
    pub output_file: Setting<Option<PathBuf>>,
    pub fail_on: Setting<FailOn>,
    pub strict: Setting<bool>,
    pub select: Setting<Vec<String>>,
    pub ignore: Setting<Vec<String>>,
    pub color: Setting<ColorChoice>,
    pub rules: Setting<Vec<PathBuf>>,
    pub builtin_rules: Setting<bool>,
    pub max_document_size: Setting<Option<u64>>,
    pub max_line_length: Setting<Option<u64>>,
    pub max_archive_entries: Setting<Option<u64>>,
    pub max_decompressed_size: Setting<Option<u64>>,
    pub max_compression_ratio: Setting<Option<u64>>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    At {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The configuration file to read: `--config`/`KVDIAG_CONFIG`, else the first `kvdiag.toml`
/// upward from `cwd`; none with `--no-config`.
pub fn locate(
    config: Option<&Path>,
    no_config: bool,
    from_env: bool,
    cwd: &Path,
) -> Option<Loaded> {
    if no_config {
        return None;
    }
    if let Some(path) = config {
        return Some(Loaded {
            path: path.to_owned(),
            found_by: if from_env {
                FoundBy::Env
            } else {
                FoundBy::Flag
            },
        });
    }
    cwd.ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
        .map(|path| Loaded {
            path,
            found_by: FoundBy::Search,
        })
}

/// Reads `loaded`, checks what a searched-for file may set, and layers flags and environment
/// (`settings` and the `matches` they were parsed from) over it.
pub fn resolve(
    loaded: Option<Loaded>,
    settings: &Settings,
    matches: &ArgMatches,
) -> Result<Effective, ConfigError> {
    let (file, text) = match &loaded {
        Some(l) => {
            let text = std::fs::read_to_string(&l.path).map_err(|error| ConfigError::Read {
                path: l.path.display().to_string(),
                error,
            })?;
            let file: FileConfig = toml::from_str(&text)
                .map_err(|e| at(&l.path, &text, e.span(), e.message().to_owned()))?;
            (file, text)
        }
        None => (FileConfig::default(), String::new()),
    };
    let path = loaded.as_ref().map(|l| l.path.clone()).unwrap_or_default();
    let dir = path
        .parent()
        .map(Path::to_owned)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let searched = loaded
        .as_ref()
        .is_some_and(|l| l.found_by == FoundBy::Search);
    let from_file = || Source::File(path.clone());
    // Where a flag's value came from; `None` when it was not given.
    let given = |id: &str, var: &'static str| match matches.value_source(id) {
        Some(ValueSource::CommandLine) => Some(Source::Flag),
        Some(ValueSource::EnvVariable) => Some(Source::Env(var)),
        _ => None,
    };
    fn pick<T>(
        flag: Option<(T, Source)>,
        file: Option<T>,
        from_file: impl Fn() -> Source,
        default: T,
    ) -> Setting<T> {
        match (flag, file) {
            (Some((value, source)), _) => Setting { value, source },
            (None, Some(value)) => Setting {
                value,
                source: from_file(),
            },
            (None, None) => Setting {
                value: default,
                source: Source::Default,
            },
        }
    }

    let output_file = match file.output_file {
        Some(f) if searched => {
            return Err(at(
                &path,
                &text,
                Some(f.span()),
                format!(
                    "`output-file`: a {FILE_NAME} found by searching upward from the working \
                     directory may not name an output file (it may come with a capture); name \
                     the file with --config or KVDIAG_CONFIG to allow it"
                ),
            ));
        }
        Some(f) => Some(dir.join(f.into_inner())),
        None => None,
    };
    let mut rules = None;
    if let Some(list) = file.rules {
        let mut paths = Vec::new();
        for p in list {
            let span = p.span();
            let relative = p.into_inner();
            let full = dir.join(&relative);
            if searched && !inside(&dir, &relative, &full) {
                return Err(at(
                    &path,
                    &text,
                    Some(span),
                    format!(
                        "`rules`: `{}` is outside the folder of this {FILE_NAME}, which was found \
                         by searching upward from the working directory (it may come with a \
                         capture); name the file with --config or KVDIAG_CONFIG to allow it",
                        relative.display()
                    ),
                ));
            }
            paths.push(full);
        }
        rules = Some(paths);
    }
    let limits = file.limits.unwrap_or_default();
    let size = |s: Option<Spanned<Size>>, key: &str| -> Result<Option<u64>, ConfigError> {
        let Some(s) = s else { return Ok(None) };
        let span = s.span();
        match s.into_inner() {
            Size::Bytes(n) if n > 0 => Ok(Some(n)),
            Size::Bytes(_) => Err(at(
                &path,
                &text,
                Some(span),
                format!("`{key}`: must be more than 0"),
            )),
            Size::Text(t) => parse_size(&t)
                .map(Some)
                .map_err(|e| at(&path, &text, Some(span), format!("`{key}`: {e}"))),
        }
    };
    let max_document_size = size(limits.max_document_size, "max-document-size")?;
    let max_line_length = size(limits.max_line_length, "max-line-length")?;
    let max_decompressed_size = size(limits.max_decompressed_size, "max-decompressed-size")?;

    let s = settings;
    fn with<T>(
        v: Option<T>,
        given: &dyn Fn(&str, &'static str) -> Option<Source>,
        id: &str,
        var: &'static str,
    ) -> Option<(T, Source)> {
        v.map(|v| (v, given(id, var).unwrap_or(Source::Flag)))
    }
    let list = |v: &Vec<String>, id: &str, var: &'static str| {
        (!v.is_empty()).then(|| (v.clone(), given(id, var).unwrap_or(Source::Flag)))
    };
    let limit = |v: Option<u64>, file: Option<u64>| {
        pick(
            v.map(|v| (Some(v), Source::Flag)),
            file.map(Some),
            from_file,
            None,
        )
    };
    Ok(Effective {
        output: pick(
            with(s.output, &given, "output", "KVDIAG_OUTPUT"),
            file.output,
            from_file,
            Format::Text,
        ),
        output_file: pick(
            with(
                s.output_file.clone(),
                &given,
                "output_file",
                "KVDIAG_OUTPUT_FILE",
            )
            .map(|(v, s)| (Some(v), s)),
            output_file.map(Some),
            from_file,
            None,
        ),
        fail_on: pick(
            with(s.fail_on, &given, "fail_on", "KVDIAG_FAIL_ON"),
            file.fail_on,
            from_file,
            FailOn::Error,
        ),
        strict: pick(
            s.strict.then_some((true, Source::Flag)),
            file.strict,
            from_file,
            false,
        ),
        select: pick(
            list(&s.select, "select", "KVDIAG_SELECT"),
            file.select,
            from_file,
            Vec::new(),
        ),
        ignore: pick(
            list(&s.ignore, "ignore", "KVDIAG_IGNORE"),
            file.ignore,
            from_file,
            Vec::new(),
        ),
        color: pick(
            with(s.color, &given, "color", "KVDIAG_COLOR"),
            file.color,
            from_file,
            ColorChoice::Auto,
        ),
        rules: pick(
            (!s.rules.rule_paths.is_empty()).then(|| (s.rules.rule_paths.clone(), Source::Flag)),
            rules,
            from_file,
            Vec::new(),
        ),
        builtin_rules: pick(
            s.rules.no_builtin_rules.then_some((false, Source::Flag)),
            file.builtin_rules,
            from_file,
            true,
        ),
        max_document_size: limit(s.limits.max_document_size, max_document_size),
        max_line_length: limit(s.limits.max_line_length, max_line_length),
        max_archive_entries: limit(
            s.limits.max_archive_entries.map(|n| n as u64),
            limits.max_archive_entries,
        ),
        max_decompressed_size: limit(s.limits.max_decompressed_size, max_decompressed_size),
        max_compression_ratio: limit(s.limits.max_compression_ratio, limits.max_compression_ratio),
        file: loaded,
    })
}

/// Whether a rule path of a searched-for file stays inside its folder: relative, no `..`, and
/// (when it exists) not leading elsewhere through a link.
fn inside(dir: &Path, relative: &Path, full: &Path) -> bool {
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return false;
    }
    match (dir.canonicalize(), full.canonicalize()) {
        (Ok(d), Ok(f)) => f.starts_with(d),
        _ => true,
    }
}

/// An error at a byte range of the file, as `file:line:column: message`.
fn at(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: String,
) -> ConfigError {
    let offset = span.map_or(0, |s| s.start).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ConfigError::At {
        path: path.display().to_string(),
        line,
        column,
        message: message.trim().replace('\n', " "),
    }
}

impl Effective {
    /// The library's limits with these settings applied.
    pub fn limits(&self) -> kvdiag::Limits {
        crate::cli::limits(
            self.max_document_size.value,
            self.max_line_length.value,
            self.max_archive_entries
                .value
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            self.max_decompressed_size.value,
            self.max_compression_ratio.value,
        )
    }

    /// Every setting as (key, value as TOML, source), for `kvdiag config`.
    pub fn entries(&self) -> Vec<(&'static str, String, &Source)> {
        let lim = kvdiag::Limits::default();
        let q = |s: &str| format!("{s:?}");
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
            )
        };
        let paths = |v: &[PathBuf]| {
            format!(
                "[{}]",
                v.iter()
                    .map(|p| q(&p.display().to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let num = |s: &Setting<Option<u64>>, default: u64| s.value.unwrap_or(default).to_string();
        vec![
            ("output", q(&name(&self.output.value)), &self.output.source),
            (
                "output-file",
                self.output_file
                    .value
                    .as_ref()
                    .map_or_else(|| q("-"), |p| q(&p.display().to_string())),
                &self.output_file.source,
            ),
            (
                "fail-on",
                q(&name(&self.fail_on.value)),
                &self.fail_on.source,
            ),
            ("strict", self.strict.value.to_string(), &self.strict.source),
            ("select", list(&self.select.value), &self.select.source),
            ("ignore", list(&self.ignore.value), &self.ignore.source),
            ("color", q(&name(&self.color.value)), &self.color.source),
            ("rules", paths(&self.rules.value), &self.rules.source),
            (
                "builtin-rules",
                self.builtin_rules.value.to_string(),
                &self.builtin_rules.source,
            ),
            (
                "limits.max-document-size",
                num(&self.max_document_size, lim.document_bytes as u64),
                &self.max_document_size.source,
            ),
            (
                "limits.max-line-length",
                num(&self.max_line_length, lim.line_bytes as u64),
                &self.max_line_length.source,
            ),
            (
                "limits.max-archive-entries",
                num(&self.max_archive_entries, lim.archive_entries as u64),
                &self.max_archive_entries.source,
            ),
            (
                "limits.max-decompressed-size",
                num(&self.max_decompressed_size, lim.decompressed_bytes),
                &self.max_decompressed_size.source,
            ),
            (
                "limits.max-compression-ratio",
                num(&self.max_compression_ratio, lim.compression_ratio),
                &self.max_compression_ratio.source,
            ),
        ]
    }
}

/// The name clap gives a value (`json`, `never`).
fn name<T: clap::ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_owned())
        .unwrap_or_default()
}
