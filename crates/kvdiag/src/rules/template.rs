//! `{{ name }}` templates in summaries and remediation, checked when rules load.

use crate::correlate::Facet;

/// A compiled template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(Var),
}

/// A value a template can name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    /// `subject.kind`, `subject.namespace`, `subject.name`.
    Subject(Field),
    /// `vm.name`, `pod.namespace`, `node.name`, ...: the object of that facet the diagnosis
    /// is about.
    Object(Facet, Field),
    /// `match.NAME`: a named regex group or a `capture:`.
    Match(String),
}

/// Which part of an object reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The kind.
    Kind,
    /// The namespace.
    Namespace,
    /// The name.
    Name,
}

/// Facets a template may name.
const TEMPLATE_FACETS: [Facet; 6] = [
    Facet::Vm,
    Facet::Vmi,
    Facet::Pod,
    Facet::Node,
    Facet::Dv,
    Facet::Pvc,
];

impl Template {
    /// Parses `text`; the error names the first bad placeholder.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| format!("`{{{{` without `}}}}` in {text:?}"))?;
            parts.push(Part::Var(parse_var(after[..close].trim())?));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The `match.NAME` names used.
    pub fn captures(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(Var::Match(n)) => Some(n.as_str()),
            _ => None,
        })
    }

    /// The facets whose objects it names (`pod` of `{{pod.name}}`), in order of use.
    pub fn facets(&self) -> impl Iterator<Item = Facet> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(Var::Object(f, _)) => Some(*f),
            _ => None,
        })
    }

    /// Renders with `lookup`; a value that is not known renders as what to fill in, in words
    /// (`<name of the VM>`), so that a command visibly needs completing rather than silently
    /// pointing elsewhere.
    pub fn render(&self, lookup: impl Fn(&Var) -> Option<String>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => match lookup(v) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('<');
                        out.push_str(&unknown(v));
                        out.push('>');
                    }
                },
            }
        }
        out
    }
}

/// What to fill in for a value that is not known, in words.
fn unknown(v: &Var) -> String {
    let field = |f: &Field| match f {
        Field::Kind => "kind",
        Field::Namespace => "namespace",
        Field::Name => "name",
    };
    match v {
        Var::Subject(f) => format!("{} of the subject", field(f)),
        Var::Object(facet, f) => {
            let noun = match facet {
                Facet::Vm => "VM",
                Facet::Vmi => "VMI",
                Facet::LauncherPod | Facet::Pod => "pod",
                Facet::Node => "node",
                Facet::Dv => "DataVolume",
                Facet::Pvc => "PVC",
                Facet::Migration => "migration",
                Facet::Event => "event",
                Facet::Log => "log",
            };
            format!("{} of the {noun}", field(f))
        }
        Var::Match(name) => name.replace('_', " "),
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.parts {
            match p {
                Part::Text(t) => f.write_str(t)?,
                Part::Var(v) => write!(f, "{{{{{}}}}}", var_name(v))?,
            }
        }
        Ok(())
    }
}

fn parse_var(name: &str) -> Result<Var, String> {
    let (head, tail) = name.split_once('.').ok_or_else(|| {
        format!("unknown template value `{name}`: write e.g. `vm.name` or `match.NAME`")
    })?;
    if head == "match" {
        let ok = !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return ok
            .then(|| Var::Match(tail.to_owned()))
            .ok_or_else(|| format!("`{name}`: a capture name is letters, digits and `_`"));
    }
    let field = match tail {
        "name" => Field::Name,
        "namespace" => Field::Namespace,
        "kind" if head == "subject" => Field::Kind,
        _ => {
            return Err(format!(
                "unknown template value `{name}`: `{head}` has `name` and `namespace`"
            ));
        }
    };
    if head == "subject" {
        return Ok(Var::Subject(field));
    }
    let facet = Facet::from_name(head)
        .filter(|f| TEMPLATE_FACETS.contains(f))
        .ok_or_else(|| {
            let known: Vec<_> = TEMPLATE_FACETS.iter().map(|f| f.name()).collect();
            format!(
                "unknown template value `{name}`: known are subject, match, {}",
                known.join(", ")
            )
        })?;
    Ok(Var::Object(facet, field))
}

fn var_name(v: &Var) -> String {
    let field = |f: &Field| match f {
        Field::Kind => "kind",
        Field::Namespace => "namespace",
        Field::Name => "name",
    };
    match v {
        Var::Subject(f) => format!("subject.{}", field(f)),
        Var::Object(facet, f) => format!("{}.{}", facet.name(), field(f)),
        Var::Match(n) => format!("match.{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_values_and_marks_unknown_ones() {
        let t = Template::parse("oc get vmi {{vm.name}} -n {{ vm.namespace }} # {{match.code}}")
            .expect("ok");
        let out = t.render(|v| match v {
            Var::Object(Facet::Vm, Field::Name) => Some("db".into()),
            _ => None,
        });
        assert_eq!(out, "oc get vmi db -n <namespace of the VM> # <code>");
        assert_eq!(t.captures().collect::<Vec<_>>(), ["code"]);
    }

    #[test]
    fn unknown_values_fail_to_parse() {
        assert!(Template::parse("{{vm.uid}}").is_err());
        assert!(Template::parse("{{event.name}}").is_err());
        assert!(Template::parse("{{name}}").is_err());
        assert!(Template::parse("{{vm.name").is_err());
        assert!(Template::parse("{{match.}}").is_err());
    }
}
