//! Reading `schemas/*.toml` and checking them, with the file and line of every mistake.

use super::model::*;
use serde::Deserialize;
use toml::Spanned;

/// A schema file that cannot be used. The message names the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct SchemaError {
    /// The schema file.
    pub file: String,
    /// 1-based line of the offending entry (0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    file_type: String,
    title: String,
    source: String,
    #[serde(default)]
    partial: bool,
    id_column: Option<Spanned<String>>,
    key: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    name_aliases: Vec<String>,
    #[serde(default)]
    batch_names: bool,
    columns: Vec<Spanned<RawColumn>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    ref_ids: Option<Spanned<Vec<String>>>,
    state_column: Option<Spanned<String>>,
    #[serde(default)]
    references: Vec<Spanned<RawReference>>,
    #[serde(default)]
    history: Vec<Spanned<RawHistory>>,
    #[serde(default)]
    memberships: Vec<Spanned<RawMembership>>,
    #[serde(default)]
    target_state: Vec<Spanned<RawTargetState>>,
    #[serde(default)]
    exclusive: Vec<Spanned<RawExclusive>>,
    #[serde(default)]
    uniform: Vec<Spanned<RawUniform>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUniform {
    column: String,
    to: String,
    target_column: String,
    groups: Vec<Vec<String>>,
    when: Option<RawCondition>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusive {
    column: String,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetState {
    column: String,
    to: String,
    via: Option<RawVia>,
    target: RawTarget,
    when: Option<RawCondition>,
    #[serde(default = "all_rows")]
    rows: String,
    future: Option<String>,
    code: Option<String>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVia {
    column: String,
    to: String,
}

fn all_rows() -> String {
    "all".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    column: String,
    #[serde(rename = "in")]
    in_: Option<Vec<String>>,
    not_in: Option<Vec<String>>,
    equals: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMembership {
    column: String,
    of: String,
    to: String,
    lists: Vec<String>,
    pairs: Option<String>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    kind: String,
    column: Option<String>,
    columns: Option<Vec<String>>,
    values: Option<Vec<String>>,
    future: Option<String>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReference {
    column: String,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    registry: Vec<String>,
    #[serde(default)]
    same_file: bool,
    when: Option<RawCondition>,
    target_is: Option<RawTargetIs>,
    #[serde(default)]
    warning: bool,
    future: Option<String>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetIs {
    column: String,
    #[serde(rename = "in")]
    in_: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    name: String,
    printed: Option<String>,
    #[serde(rename = "type")]
    ty: ColumnType,
    #[serde(default)]
    required: bool,
    #[serde(default = "yes")]
    seen: bool,
    #[serde(default)]
    inferred: bool,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    value_aliases: std::collections::BTreeMap<String, String>,
    min_len: Option<usize>,
    max_len: Option<usize>,
    pattern: Option<String>,
    min_items: Option<usize>,
    #[serde(default)]
    signed: bool,
    currency_column: Option<String>,
    min_decimals: Option<u32>,
    max_decimals: Option<u32>,
    #[serde(default)]
    sensitive: bool,
    shape: Option<JsonShape>,
    source: String,
    note: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: String,
    column: Option<String>,
    columns: Option<Vec<String>>,
    other: Option<String>,
    op: Option<String>,
    values: Option<Vec<String>>,
    when: Option<RawCondition>,
    and: Option<RawCondition>,
    future: Option<String>,
    source: String,
    note: Option<String>,
    #[serde(default)]
    inferred: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    column: String,
    #[serde(rename = "in")]
    in_: Option<Vec<String>>,
    not_in: Option<Vec<String>>,
    present: Option<bool>,
}

/// Maximum fractional digits when a column does not say (decision D3).
pub const DEFAULT_MAX_DECIMALS: u32 = 8;

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, offset: usize, message: impl Into<String>) -> SchemaError {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        SchemaError {
            file: self.file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parses and checks one schema file. `file` is the name used in messages.
pub fn parse_schema(file: &str, text: &str) -> Result<Schema, SchemaError> {
    let ctx = Ctx { file, text };
    let raw: RawSchema = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        ctx.err(offset, e.message().to_string())
    })?;
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if !stem.is_empty() && stem != raw.file_type {
        return Err(ctx.err(
            0,
            format!("file_type `{}` does not match the file name", raw.file_type),
        ));
    }
    let mut columns = Vec::with_capacity(raw.columns.len());
    for spanned in &raw.columns {
        let at = spanned.span().start;
        let c = spanned.get_ref();
        if columns
            .iter()
            .any(|x: &Column| x.name == c.name || Some(&c.name) == x.printed.as_ref())
        {
            return Err(ctx.err(at, format!("column `{}` is defined twice", c.name)));
        }
        columns.push(build_column(&ctx, at, c)?);
    }
    // Currency links need every column known first.
    for (i, spanned) in raw.columns.iter().enumerate() {
        let c = spanned.get_ref();
        if let Some(cur) = &c.currency_column {
            let at = spanned.span().start;
            let idx = find(&ctx, at, &columns, cur)?;
            if columns[idx].ty != ColumnType::Currency {
                return Err(ctx.err(
                    at,
                    format!("currency_column `{cur}` is not a currency column"),
                ));
            }
            if columns[i].ty != ColumnType::Decimal {
                return Err(ctx.err(at, "currency_column is only for decimal columns"));
            }
            columns[i].currency_column = Some(idx);
        }
    }
    let key = match (&raw.id_column, &raw.key) {
        (Some(s), None) => vec![find(&ctx, s.span().start, &columns, s.get_ref())?],
        (None, Some(k)) => {
            let at = k.span().start;
            if k.get_ref().is_empty() {
                return Err(ctx.err(at, "key needs at least one column"));
            }
            k.get_ref()
                .iter()
                .map(|n| find(&ctx, at, &columns, n))
                .collect::<Result<_, _>>()?
        }
        (None, None) => Vec::new(),
        (Some(s), Some(_)) => {
            return Err(ctx.err(s.span().start, "give id_column or key, not both"))
        }
    };
    let mut rules = Vec::with_capacity(raw.rules.len());
    for spanned in &raw.rules {
        rules.push(build_rule(
            &ctx,
            spanned.span().start,
            spanned.get_ref(),
            &columns,
        )?);
    }
    let ref_ids = match &raw.ref_ids {
        Some(r) => r
            .get_ref()
            .iter()
            .map(|n| find(&ctx, r.span().start, &columns, n))
            .collect::<Result<_, _>>()?,
        None if key.len() == 1 => key.clone(),
        None => Vec::new(),
    };
    let state_column = match &raw.state_column {
        Some(c) => Some(find(&ctx, c.span().start, &columns, c.get_ref())?),
        None => None,
    };
    let mut references = Vec::with_capacity(raw.references.len());
    for spanned in &raw.references {
        let at = spanned.span().start;
        let r = spanned.get_ref();
        if r.to.is_empty() && r.registry.is_empty() {
            return Err(ctx.err(at, "a reference needs `to` or `registry`"));
        }
        references.push(Reference {
            column: find(&ctx, at, &columns, &r.column)?,
            to: r.to.clone(),
            registry: r.registry.clone(),
            same_file: r.same_file,
            when: match &r.when {
                Some(c) => vec![build_condition(&ctx, at, c, &columns)?],
                None => Vec::new(),
            },
            target_is: r
                .target_is
                .as_ref()
                .map(|t| (t.column.clone(), t.in_.clone())),
            // A future rule starts in its default mode, `warn`.
            warning: r.warning || r.future.is_some(),
            future: r.future.clone(),
            source: r.source.clone(),
            note: r.note.clone(),
        });
    }
    let mut history = Vec::with_capacity(raw.history.len());
    for spanned in &raw.history {
        let at = spanned.span().start;
        let h = spanned.get_ref();
        if key.is_empty() {
            return Err(ctx.err(at, "a history rule needs id_column or key"));
        }
        history.push(build_history(&ctx, at, h, &columns)?);
    }
    let mut memberships = Vec::with_capacity(raw.memberships.len());
    for spanned in &raw.memberships {
        let at = spanned.span().start;
        let m = spanned.get_ref();
        memberships.push(Membership {
            column: find(&ctx, at, &columns, &m.column)?,
            of: find(&ctx, at, &columns, &m.of)?,
            to: m.to.clone(),
            lists: m.lists.clone(),
            pairs: m.pairs.clone(),
            source: m.source.clone(),
            note: m.note.clone(),
        });
    }
    let mut target_states = Vec::with_capacity(raw.target_state.len());
    for spanned in &raw.target_state {
        let at = spanned.span().start;
        let t = spanned.get_ref();
        let rows = match t.rows.as_str() {
            "all" => RowsOf::All,
            "new" => RowsOf::New,
            "updates" => RowsOf::Updates,
            other => return Err(ctx.err(at, format!("rows: `{other}` is not all, new or updates"))),
        };
        if rows != RowsOf::All && key.is_empty() {
            return Err(ctx.err(at, "rows = new/updates needs id_column or key"));
        }
        let (target, equals) = match (&t.target.in_, &t.target.not_in, &t.target.equals) {
            (Some(v), None, None) => (Test::In(v.clone()), None),
            (None, Some(v), None) => (Test::NotIn(v.clone()), None),
            (None, None, Some(c)) => (Test::Present(true), Some(find(&ctx, at, &columns, c)?)),
            _ => return Err(ctx.err(at, "target needs exactly one of `in`, `not_in`, `equals`")),
        };
        target_states.push(TargetState {
            column: find(&ctx, at, &columns, &t.column)?,
            to: t.to.clone(),
            target_column: t.target.column.clone(),
            via: t.via.as_ref().map(|v| Via {
                column: v.column.clone(),
                to: v.to.clone(),
            }),
            target_is_state: false,
            target,
            equals,
            when: match &t.when {
                Some(c) => vec![build_condition(&ctx, at, c, &columns)?],
                None => Vec::new(),
            },
            rows,
            severity: severity_of(&t.future),
            code: match &t.code {
                None => crate::report::code::DISALLOWED_STATE,
                Some(c) => crate::report::CODES
                    .iter()
                    .find(|i| i.code == c)
                    .map(|i| i.code)
                    .ok_or_else(|| ctx.err(at, format!("code: `{c}` is not a known code")))?,
            },
            future: t.future.clone(),
            source: t.source.clone(),
            note: t.note.clone(),
        });
    }
    let mut exclusives = Vec::with_capacity(raw.exclusive.len());
    for spanned in &raw.exclusive {
        let at = spanned.span().start;
        let x = spanned.get_ref();
        if key.is_empty() {
            return Err(ctx.err(at, "an exclusive column needs id_column or key"));
        }
        exclusives.push(Exclusive {
            column: find(&ctx, at, &columns, &x.column)?,
            source: x.source.clone(),
            note: x.note.clone(),
        });
    }
    let mut uniforms = Vec::with_capacity(raw.uniform.len());
    for spanned in &raw.uniform {
        let at = spanned.span().start;
        let u = spanned.get_ref();
        let column = find(&ctx, at, &columns, &u.column)?;
        if columns[column].ty != ColumnType::List {
            return Err(ctx.err(at, format!("uniform: `{}` is not a list column", u.column)));
        }
        uniforms.push(Uniform {
            column,
            to: u.to.clone(),
            target_column: u.target_column.clone(),
            groups: u.groups.clone(),
            when: match &u.when {
                Some(c) => vec![build_condition(&ctx, at, c, &columns)?],
                None => Vec::new(),
            },
            source: u.source.clone(),
            note: u.note.clone(),
        });
    }
    Ok(Schema {
        target_states,
        exclusives,
        uniforms,
        file_type: raw.file_type,
        title: raw.title,
        source: raw.source,
        partial: raw.partial,
        key,
        name_aliases: raw.name_aliases,
        batch_names: raw.batch_names,
        columns,
        rules,
        ref_ids,
        state_column,
        references,
        history,
        memberships,
    })
}

fn build_column(ctx: &Ctx, at: usize, c: &RawColumn) -> Result<Column, SchemaError> {
    let name = &c.name;
    let is = |t: &[ColumnType]| t.contains(&c.ty);
    if !c.values.is_empty() && !is(&[ColumnType::Enum, ColumnType::List]) {
        return Err(ctx.err(
            at,
            format!("`{name}`: values are only for enum and list columns"),
        ));
    }
    if c.ty == ColumnType::Enum && c.values.is_empty() {
        return Err(ctx.err(at, format!("`{name}`: an enum column needs values")));
    }
    for (from, to) in &c.value_aliases {
        if !c.values.contains(to) {
            return Err(ctx.err(
                at,
                format!("`{name}`: value alias `{from}` points to unknown value `{to}`"),
            ));
        }
    }
    if c.signed && !is(&[ColumnType::Decimal, ColumnType::Integer]) {
        return Err(ctx.err(at, format!("`{name}`: signed is only for numbers")));
    }
    if (c.min_decimals.is_some() || c.max_decimals.is_some()) && c.ty != ColumnType::Decimal {
        return Err(ctx.err(
            at,
            format!("`{name}`: min/max_decimals are only for decimals"),
        ));
    }
    if c.min_items.is_some() && c.ty != ColumnType::List {
        return Err(ctx.err(at, format!("`{name}`: min_items is only for lists")));
    }
    if (c.min_len.is_some() || c.max_len.is_some() || c.pattern.is_some())
        && c.ty != ColumnType::String
    {
        return Err(ctx.err(
            at,
            format!("`{name}`: min_len/max_len/pattern are only for strings"),
        ));
    }
    if c.shape.is_some() && c.ty != ColumnType::Json {
        return Err(ctx.err(at, format!("`{name}`: shape is only for json columns")));
    }
    let pattern = match &c.pattern {
        Some(p) => Some(
            regex::Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| ctx.err(at, format!("`{name}`: bad pattern: {e}")))?,
        ),
        None => None,
    };
    let mask = match (c.sensitive, c.ty) {
        (false, _) => Mask::None,
        (true, ColumnType::Date) => Mask::Date,
        (true, _) => Mask::LastFour,
    };
    Ok(Column {
        name: name.clone(),
        printed: c.printed.clone(),
        ty: c.ty,
        required: c.required,
        seen: c.seen,
        inferred: c.inferred,
        values: c.values.clone(),
        value_aliases: c
            .value_aliases
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect(),
        min_len: c.min_len,
        max_len: c.max_len,
        pattern,
        min_items: c.min_items,
        signed: c.signed,
        currency_column: None,
        min_decimals: c.min_decimals,
        max_decimals: c.max_decimals.unwrap_or(DEFAULT_MAX_DECIMALS),
        mask,
        shape: c.shape,
        source: c.source.clone(),
        note: c.note.clone(),
    })
}

fn find(ctx: &Ctx, at: usize, columns: &[Column], name: &str) -> Result<usize, SchemaError> {
    columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| ctx.err(at, format!("no column named `{name}`")))
}

fn check_values(ctx: &Ctx, at: usize, col: &Column, values: &[String]) -> Result<(), SchemaError> {
    if !matches!(col.ty, ColumnType::Enum | ColumnType::List) {
        return Err(ctx.err(at, format!("`{}` is not an enum or list column", col.name)));
    }
    if col.values.is_empty() {
        return Ok(());
    }
    match values.iter().find(|v| !col.values.contains(v)) {
        Some(v) => Err(ctx.err(at, format!("`{v}` is not a value of `{}`", col.name))),
        None => Ok(()),
    }
}

fn build_condition(
    ctx: &Ctx,
    at: usize,
    c: &RawCondition,
    columns: &[Column],
) -> Result<Condition, SchemaError> {
    let column = find(ctx, at, columns, &c.column)?;
    let test = match (&c.in_, &c.not_in, c.present) {
        (Some(v), None, None) => {
            check_values(ctx, at, &columns[column], v)?;
            Test::In(v.clone())
        }
        (None, Some(v), None) => {
            if matches!(columns[column].ty, ColumnType::Enum | ColumnType::List) {
                check_values(ctx, at, &columns[column], v)?;
            }
            Test::NotIn(v.clone())
        }
        (None, None, Some(p)) => Test::Present(p),
        _ => {
            return Err(ctx.err(
                at,
                "a condition needs exactly one of `in`, `not_in`, `present`",
            ))
        }
    };
    Ok(Condition { column, test })
}

fn build_history(
    ctx: &Ctx,
    at: usize,
    h: &RawHistory,
    columns: &[Column],
) -> Result<HistoryRule, SchemaError> {
    let one = || match &h.column {
        Some(c) => find(ctx, at, columns, c),
        None => Err(ctx.err(at, format!("history `{}` needs `column`", h.kind))),
    };
    let kind = match (h.kind.as_str(), &h.values) {
        ("later", None) => {
            let column = one()?;
            match columns[column].ty {
                ColumnType::Date | ColumnType::Datetime => HistoryKind::Later(column),
                _ => return Err(ctx.err(at, "`later` is for date and datetime columns")),
            }
        }
        ("frozen_when", Some(v)) => {
            let column = one()?;
            check_values(ctx, at, &columns[column], v)?;
            HistoryKind::FrozenWhen(column, v.clone())
        }
        ("immutable", None) => {
            let names = h
                .columns
                .as_ref()
                .ok_or_else(|| ctx.err(at, "`immutable` needs `columns`"))?;
            let cols = names
                .iter()
                .map(|n| find(ctx, at, columns, n))
                .collect::<Result<_, _>>()?;
            HistoryKind::Immutable(cols)
        }
        ("later" | "immutable", _) => {
            return Err(ctx.err(at, format!("`{}` takes no `values`", h.kind)))
        }
        ("frozen_when", _) => return Err(ctx.err(at, "`frozen_when` needs `values`")),
        (k, _) => return Err(ctx.err(at, format!("unknown history kind `{k}`"))),
    };
    if h.columns.is_some() && !matches!(kind, HistoryKind::Immutable(_)) {
        return Err(ctx.err(at, "`columns` is for `immutable`"));
    }
    Ok(HistoryRule {
        kind,
        source: h.source.clone(),
        note: h.note.clone(),
        severity: severity_of(&h.future),
        future: h.future.clone(),
    })
}

/// A rule's severity as loaded: a future rule starts in its default mode, `warn`.
fn severity_of(future: &Option<String>) -> crate::Severity {
    match future {
        Some(_) => crate::Severity::Warning,
        None => crate::Severity::Error,
    }
}

fn build_rule(ctx: &Ctx, at: usize, r: &RawRule, columns: &[Column]) -> Result<Rule, SchemaError> {
    let col = |name: &Option<String>, what: &str| -> Result<usize, SchemaError> {
        match name {
            Some(n) => find(ctx, at, columns, n),
            None => Err(ctx.err(at, format!("rule `{}` needs `{what}`", r.kind))),
        }
    };
    let cols = || -> Result<Vec<usize>, SchemaError> {
        let names = r
            .columns
            .as_ref()
            .ok_or_else(|| ctx.err(at, format!("rule `{}` needs `columns`", r.kind)))?;
        if names.len() < 2 {
            return Err(ctx.err(at, "`columns` needs at least two columns"));
        }
        names.iter().map(|n| find(ctx, at, columns, n)).collect()
    };
    let needs_when = matches!(
        r.kind.as_str(),
        "required_if" | "not_allowed_if" | "values_if"
    );
    if needs_when && r.when.is_none() {
        return Err(ctx.err(at, format!("rule `{}` needs `when`", r.kind)));
    }
    if r.and.is_some() && r.when.is_none() {
        return Err(ctx.err(at, "`and` needs `when`"));
    }
    let kind = match r.kind.as_str() {
        "required_if" => RuleKind::RequiredIf(col(&r.column, "column")?),
        "not_allowed_if" => RuleKind::NotAllowedIf(col(&r.column, "column")?),
        "values_if" => {
            let c = col(&r.column, "column")?;
            let values = r
                .values
                .clone()
                .ok_or_else(|| ctx.err(at, "values_if needs `values`"))?;
            check_values(ctx, at, &columns[c], &values)?;
            RuleKind::ValuesIf(c, values)
        }
        "one_of" => RuleKind::OneOf(cols()?),
        "exactly_one" => RuleKind::ExactlyOne(cols()?),
        "all_or_none" => RuleKind::AllOrNone(cols()?),
        "same_sign" => {
            let (a, b) = (col(&r.column, "column")?, col(&r.other, "other")?);
            for i in [a, b] {
                if !matches!(columns[i].ty, ColumnType::Decimal | ColumnType::Integer) {
                    return Err(ctx.err(
                        at,
                        format!("same_sign: `{}` is not a number", columns[i].name),
                    ));
                }
            }
            RuleKind::SameSign(a, b)
        }
        "compare" => {
            let (a, b) = (col(&r.column, "column")?, col(&r.other, "other")?);
            let op = match r.op.as_deref() {
                Some(">=") => Op::Ge,
                Some(">") => Op::Gt,
                Some("<=") => Op::Le,
                Some("<") => Op::Lt,
                other => return Err(ctx.err(at, format!("compare: bad op {other:?}"))),
            };
            let numeric =
                |i: usize| matches!(columns[i].ty, ColumnType::Decimal | ColumnType::Integer);
            if !columns[a].ty.is_ordered()
                || !columns[b].ty.is_ordered()
                || numeric(a) != numeric(b)
            {
                return Err(ctx.err(at, "compare needs two dates/datetimes or two numbers"));
            }
            RuleKind::Compare(a, op, b)
        }
        "forbidden_prefix" => {
            let c = col(&r.column, "column")?;
            if columns[c].ty != ColumnType::String {
                return Err(ctx.err(at, "forbidden_prefix is for string columns"));
            }
            let values = r
                .values
                .clone()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ctx.err(at, "forbidden_prefix needs `values` (the prefixes)"))?;
            RuleKind::ForbiddenPrefix(c, values)
        }
        other => return Err(ctx.err(at, format!("unknown rule kind `{other}`"))),
    };
    let mut when = Vec::new();
    for c in [&r.when, &r.and].into_iter().flatten() {
        when.push(build_condition(ctx, at, c, columns)?);
    }
    let _ = r.inferred;
    Ok(Rule {
        kind,
        when,
        source: r.source.clone(),
        note: r.note.clone(),
        severity: severity_of(&r.future),
        future: r.future.clone(),
    })
}
