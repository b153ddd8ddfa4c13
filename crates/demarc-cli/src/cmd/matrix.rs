//! `demarc matrix`: the matrix on the terminal.

use anyhow::{Result, bail};
use demarc_core::finding::nearest;
use demarc_core::view::{Cell, RespIx, ServiceIx};
use demarc_core::{Status, View};

use crate::Outcome;
use crate::cli::MatrixArgs;
use crate::{load, term};

pub fn run(args: &MatrixArgs) -> Result<Outcome> {
    let model = load::model(&args.dir)?;
    let view = View::new(&model);
    let table = if let Some(id) = &args.service {
        let Some(s) = view.service_index(id) else {
            bail!(
                "{}",
                not_found("service", id, view.services().iter().map(|s| s.id.as_str()))
            );
        };
        service_table(&view, s)
    } else if let Some(id) = &args.party {
        let Some(p) = view.party_index(id) else {
            bail!(
                "{}",
                not_found("party", id, view.parties().iter().map(|p| p.id.as_str()))
            );
        };
        party_table(&view, p)
    } else {
        full_table(&view)
    };
    crate::term::out(&table);
    Ok(Outcome::Ok)
}

pub fn not_found<'a>(what: &str, id: &str, ids: impl Iterator<Item = &'a str> + Clone) -> String {
    match nearest(id, ids.clone()) {
        Some(n) => format!("there is no {what} \"{id}\" in the model; did you mean \"{n}\"?"),
        None => format!(
            "there is no {what} \"{id}\" in the model; the {what} ids are: {}",
            ids.collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Who does a cell, in a few characters: party ids, with markers.
fn label(view: &View<'_>, cell: &Cell<'_>) -> String {
    let mut s = match cell.status() {
        Status::NotApplicable => "n/a".to_owned(),
        _ if cell.operators.is_empty() => "GAP".to_owned(),
        _ => cell
            .operators
            .iter()
            .map(|&p| view.party(p).id.as_str())
            .collect::<Vec<_>>()
            .join("+"),
    };
    if cell.status() == Status::Inherited {
        s.insert(0, '^');
    }
    if cell.is_override() {
        s.push('*');
    }
    if cell.allocation.is_some_and(|a| a.contested.is_some()) {
        s.push('!');
    }
    s
}

fn render(header: &[String], rows: &[Vec<String>], sections: &[(usize, String)]) -> String {
    render_with(header, rows, sections, false)
}

/// A table; columns are cut at 48 characters, except the last when `whole_last` (it can run
/// on, as nothing follows it).
fn render_with(
    header: &[String],
    rows: &[Vec<String>],
    sections: &[(usize, String)],
    whole_last: bool,
) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            let cap = if whole_last && i + 1 == cols {
                usize::MAX
            } else {
                48
            };
            widths[i] = widths[i].max(c.chars().count()).min(cap);
        }
    }
    let fit = |s: &str, w: usize| -> String {
        let n = s.chars().count();
        if n > w {
            let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            format!("{s}{}", " ".repeat(w - n))
        }
    };
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| fit(c, widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = String::new();
    out.push_str(&term::bold(&line(header)));
    out.push('\n');
    out.push_str(
        &widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for (i, r) in rows.iter().enumerate() {
        for (at, title) in sections {
            if *at == i {
                out.push_str(&term::bold(title));
                out.push('\n');
            }
        }
        let text = line(r);
        out.push_str(&if text.contains("GAP") {
            term::red(&text)
        } else {
            text
        });
        out.push('\n');
    }
    out
}

fn full_table(view: &View<'_>) -> String {
    let mut header = vec!["Responsibility".to_owned()];
    header.extend(view.services().iter().map(|s| s.id.clone()));
    let mut rows = Vec::new();
    let mut sections = Vec::new();
    let mut last_area = "";
    for (r, (area, resp)) in view.responsibilities().iter().enumerate() {
        if area.id != last_area {
            sections.push((rows.len(), area.title.clone()));
            last_area = &area.id;
        }
        let mut row = vec![format!(
            "  {}{}",
            resp.title,
            if resp.retained { " (retained)" } else { "" }
        )];
        for s in 0..view.services().len() {
            row.push(label(view, view.cell(s as ServiceIx, r as RespIx)));
        }
        rows.push(row);
    }
    let mut out = render(&header, &rows, &sections);
    out.push_str(&term::dim("\nparty ids do the work; ^ inherited through a built-on service; * overrides the preset; ! contested; GAP nobody does it\n"));
    out
}

fn service_table(view: &View<'_>, s: ServiceIx) -> String {
    let svc = view.service(s);
    let header: Vec<String> = [
        "Responsibility",
        "Status",
        "Does it",
        "Oversees",
        "Via",
        "CAIQ",
        "Origin",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    for (r, (_, resp)) in view.responsibilities().iter().enumerate() {
        let r = r as RespIx;
        let cell = view.cell(s, r);
        let names = |ps: &[u32]| {
            ps.iter()
                .map(|&p| view.party(p).name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let via = if cell.via.is_empty() {
            String::new()
        } else {
            view.provenance(s, r)
                .iter()
                .map(|&p| view.party(p).id.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        };
        let origin = match cell.origin {
            demarc_core::Origin::Unset => "",
            demarc_core::Origin::Preset(_) => "preset",
            demarc_core::Origin::Explicit if cell.is_override() => "override",
            demarc_core::Origin::Explicit => "model",
        };
        rows.push(vec![
            resp.title.clone(),
            cell.status().as_str().to_owned(),
            if cell.operators.is_empty() && cell.status() != Status::NotApplicable {
                "GAP".into()
            } else {
                names(&cell.operators)
            },
            names(&cell.overseers),
            via,
            view.category(s, r).as_str().to_owned(),
            origin.to_owned(),
        ]);
    }
    let provider = view
        .provider(s)
        .map_or(svc.provider.id.as_str(), |p| view.party(p).name.as_str());
    let mut out = term::bold(&format!(
        "{} ({}), provided by {provider}\n\n",
        svc.name, svc.id
    ));
    out.push_str(&render(&header, &rows, &[]));
    out
}

fn party_table(view: &View<'_>, p: u32) -> String {
    let holdings = view.roll_up();
    let h = &holdings[p as usize];
    let header: Vec<String> = [
        "Service",
        "Responsibility",
        "Part",
        "Status",
        "Asked by",
        "Chain",
        "What",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    for d in demarc_core::report::duties(view, p) {
        let title = match &d.statement {
            Some(st) => format!("{} [{st}]", d.responsibility.title),
            None => d.responsibility.title.clone(),
        };
        rows.push(vec![
            d.service.name.clone(),
            title,
            if d.kind == "oversee" {
                "oversees"
            } else {
                "does it"
            }
            .to_owned(),
            d.status.to_owned(),
            d.asked_by.map(|a| a.id).unwrap_or_default(),
            d.chain
                .iter()
                .map(|x| x.id.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
            d.description.clone().unwrap_or_default(),
        ]);
    }
    let party = view.party(p);
    let mut out = term::bold(&format!(
        "{} ({}): does {} and oversees {} of {} cells\n\n",
        party.name,
        party.id,
        h.operates.len(),
        h.oversees.len(),
        view.services().len() * view.responsibilities().len()
    ));
    out.push_str(&render_with(&header, &rows, &[], true));
    out.push_str(&term::dim(
        "\nWhat: the row's or task's own words; Asked by: the provider whose service asks it of its customer; Chain: who does the rest, upstream last\n",
    ));
    out
}
