//! The nested shape `serde_qs` (the server functions' form decoder) gives bracketed names:
//! `metrics[0][name]=cpu` arrives as `{metrics: {0: {name: "cpu"}}}` (or a sequence for the
//! numbered level). [`Tree`] accepts any such nesting and turns it back into flat names, and
//! the other way round when the browser sends a form through the server function client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::FormFields;

/// One level of a nested form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    Leaf(String),
    Map(BTreeMap<String, Node>),
    Seq(Vec<Node>),
}

/// The top level of a nested form.
pub type Tree = BTreeMap<String, Node>;

impl From<Tree> for FormFields {
    fn from(tree: Tree) -> Self {
        let mut out = BTreeMap::new();
        for (k, v) in tree {
            flatten(k, v, &mut out);
        }
        FormFields(out)
    }
}

fn flatten(key: String, node: Node, out: &mut BTreeMap<String, String>) {
    match node {
        Node::Leaf(s) => {
            out.insert(key, s);
        }
        Node::Map(m) => {
            for (k, v) in m {
                flatten(format!("{key}[{k}]"), v, out);
            }
        }
        Node::Seq(items) => {
            for (i, v) in items.into_iter().enumerate() {
                flatten(format!("{key}[{i}]"), v, out);
            }
        }
    }
}

impl From<FormFields> for Tree {
    fn from(form: FormFields) -> Self {
        let mut root: Tree = BTreeMap::new();
        for (key, value) in form.0 {
            let parts = segments(&key);
            insert(&mut root, &parts, value);
        }
        root
    }
}

/// `a[b][0]` → `["a", "b", "0"]`.
pub fn segments(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (head, mut rest) = match key.find('[') {
        Some(p) => (&key[..p], &key[p..]),
        None => (key, ""),
    };
    parts.push(head.to_string());
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(end) => {
                parts.push(stripped[..end].to_string());
                rest = &stripped[end + 1..];
            }
            None => break,
        }
    }
    parts
}

fn insert(map: &mut BTreeMap<String, Node>, parts: &[String], value: String) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.entry(first.clone()).or_insert(Node::Leaf(value));
        return;
    }
    let entry = map
        .entry(first.clone())
        .or_insert_with(|| Node::Map(BTreeMap::new()));
    if let Node::Leaf(_) = entry {
        *entry = Node::Map(BTreeMap::new());
    }
    if let Node::Map(inner) = entry {
        insert(inner, rest, value);
    }
}
