//! Analyst exports of the coordination graph: GEXF and GraphML (Gephi opens both) and CSV
//! edges in the Coordination Network Toolkit's `user_1,user_2,weight` shape. Every string
//! is escaped here, once: handles and ids are hostile.

use std::collections::BTreeMap;
use std::io::{self, Write};
use vigil_store::{ClusterRecord, EdgeRecord};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gexf,
    Graphml,
    Csv,
}

/// XML-escape text and attribute values; characters XML 1.0 forbids are dropped.
pub fn xml_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                out.push_str(&format!("&#{};", c as u32));
            }
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn x(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    xml_escape(s, &mut o);
    o
}

/// CSV field quoting (RFC 4180): quote when needed, double inner quotes. A leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so spreadsheets do not run it as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Write the graph. `labels` maps account ids to display handles (optional).
pub fn write_graph(
    w: &mut dyn Write,
    format: Format,
    edges: &[EdgeRecord],
    clusters: &[ClusterRecord],
    labels: &BTreeMap<String, String>,
) -> io::Result<()> {
    let mut cluster_of: BTreeMap<&str, (&str, f32)> = BTreeMap::new();
    for c in clusters {
        for m in &c.members {
            cluster_of.insert(m.as_str(), (c.id.as_str(), c.score));
        }
    }
    let mut nodes: Vec<&str> = Vec::new();
    for e in edges {
        nodes.push(&e.user_1);
        nodes.push(&e.user_2);
    }
    nodes.sort_unstable();
    nodes.dedup();
    match format {
        Format::Csv => {
            writeln!(w, "user_1,user_2,weight")?;
            for e in edges {
                writeln!(
                    w,
                    "{},{},{}",
                    csv_field(&e.user_1),
                    csv_field(&e.user_2),
                    e.weight
                )?;
            }
        }
        Format::Gexf => {
            writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
            writeln!(w, r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#)?;
            writeln!(
                w,
                r#"  <meta><creator>vigil</creator><description>coordination network</description></meta>"#
            )?;
            writeln!(w, r#"  <graph mode="static" defaultedgetype="undirected">"#)?;
            writeln!(
                w,
                r#"    <attributes class="node"><attribute id="0" title="cluster" type="string"/><attribute id="1" title="cluster_score" type="float"/></attributes>"#
            )?;
            writeln!(
                w,
                r#"    <attributes class="edge"><attribute id="0" title="relations" type="string"/></attributes>"#
            )?;
            writeln!(w, "    <nodes>")?;
            for n in &nodes {
                let label = labels.get(*n).map(String::as_str).unwrap_or(n);
                let (c, s) = cluster_of.get(n).copied().unwrap_or(("", 0.0));
                writeln!(
                    w,
                    r#"      <node id="{}" label="{}"><attvalues><attvalue for="0" value="{}"/><attvalue for="1" value="{}"/></attvalues></node>"#,
                    x(n),
                    x(label),
                    x(c),
                    s
                )?;
            }
            writeln!(w, "    </nodes>\n    <edges>")?;
            for (i, e) in edges.iter().enumerate() {
                writeln!(
                    w,
                    r#"      <edge id="{i}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="0" value="{}"/></attvalues></edge>"#,
                    x(&e.user_1),
                    x(&e.user_2),
                    e.weight,
                    x(&e.relations)
                )?;
            }
            writeln!(w, "    </edges>\n  </graph>\n</gexf>")?;
        }
        Format::Graphml => {
            writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
            writeln!(
                w,
                r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#
            )?;
            writeln!(
                w,
                r#"  <key id="label" for="node" attr.name="label" attr.type="string"/>"#
            )?;
            writeln!(
                w,
                r#"  <key id="cluster" for="node" attr.name="cluster" attr.type="string"/>"#
            )?;
            writeln!(
                w,
                r#"  <key id="score" for="node" attr.name="cluster_score" attr.type="double"/>"#
            )?;
            writeln!(
                w,
                r#"  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>"#
            )?;
            writeln!(
                w,
                r#"  <key id="relations" for="edge" attr.name="relations" attr.type="string"/>"#
            )?;
            writeln!(w, r#"  <graph id="coordination" edgedefault="undirected">"#)?;
            for n in &nodes {
                let label = labels.get(*n).map(String::as_str).unwrap_or(n);
                let (c, s) = cluster_of.get(n).copied().unwrap_or(("", 0.0));
                writeln!(
                    w,
                    r#"    <node id="{}"><data key="label">{}</data><data key="cluster">{}</data><data key="score">{}</data></node>"#,
                    x(n),
                    x(label),
                    x(c),
                    s
                )?;
            }
            for e in edges {
                writeln!(
                    w,
                    r#"    <edge source="{}" target="{}"><data key="weight">{}</data><data key="relations">{}</data></edge>"#,
                    x(&e.user_1),
                    x(&e.user_2),
                    e.weight,
                    x(&e.relations)
                )?;
            }
            writeln!(w, "  </graph>\n</graphml>")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_handles_are_escaped() {
        let e = vec![EdgeRecord {
            user_1: "twitter:<x\"&'>\u{1}".into(),
            user_2: "=cmd|' /C calc'!A0".into(),
            weight: 3,
            relations: r#"{"co_post":3}"#.into(),
        }];
        for f in [Format::Gexf, Format::Graphml] {
            let mut b = Vec::new();
            write_graph(&mut b, f, &e, &[], &BTreeMap::new()).unwrap();
            let s = String::from_utf8(b).unwrap();
            assert!(s.contains("twitter:&lt;x&quot;&amp;&apos;&gt;"), "{s}");
            assert!(!s.contains('\u{1}'));
        }
        let mut b = Vec::new();
        write_graph(&mut b, Format::Csv, &e, &[], &BTreeMap::new()).unwrap();
        let s = String::from_utf8(b).unwrap();
        assert!(s.contains("'=cmd"), "{s}");
    }
}
