//! A small namespace-resolved XML tree over `quick-xml`: the parser refuses DTDs and
//! entity declarations (XXE), undeclared entities, unbound prefixes, and bounds input
//! size, depth and element count; the writer emits fixed prefixes and 2-space indentation.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::WsError;
use super::names::{NS_GSMA, NS_SOAP, NS_WSA, PREFIX_GSMA, PREFIX_SOAP, PREFIX_WSA};

/// The namespace of the `xml:` prefix (bound by definition, never declared).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Largest envelope accepted, bytes (an EIS with a few dozen Profiles fits easily).
pub const MAX_SIZE: usize = 256 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 24;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 8192;

/// One element: its namespace URI (empty when unqualified), local name, attributes
/// (namespace, local name, value; `xmlns` declarations dropped), child elements and the
/// concatenated character data directly inside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, `""` when none.
    pub ns: String,
    /// Local name.
    pub name: String,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<(String, String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Character data directly inside the element.
    pub text: String,
}

impl Element {
    /// An empty element.
    pub fn new(ns: &str, name: &str) -> Self {
        Self {
            ns: ns.to_owned(),
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// A GSMA-namespace element.
    pub fn gsma(name: &str) -> Self {
        Self::new(NS_GSMA, name)
    }

    /// A GSMA-namespace leaf with text.
    pub fn leaf(name: &str, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::gsma(name)
        }
    }

    /// Appends a child (builder style).
    pub fn with(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    /// Appends a child if present.
    pub fn with_opt(mut self, child: Option<Element>) -> Self {
        self.children.extend(child);
        self
    }

    /// Whether this element has namespace `ns` and local name `name`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child with namespace `ns` and local name `name`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// All children with namespace `ns` and local name `name`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// Text with surrounding XML whitespace removed.
    pub fn trimmed(&self) -> &str {
        self.text.trim_matches([' ', '\t', '\r', '\n'])
    }
}

fn ns_of(resolved: ResolveResult<'_>, what: &str) -> Result<String, WsError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(String::from_utf8_lossy(ns.into_inner()).into_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(p) => Err(WsError::Xml(format!(
            "unbound prefix `{}` on {what}",
            String::from_utf8_lossy(&p)
        ))),
    }
}

fn xml_err(e: impl std::fmt::Display) -> WsError {
    WsError::Xml(e.to_string())
}

/// Parses one document into its root element.
pub fn parse(input: &str) -> Result<Element, WsError> {
    if input.len() > MAX_SIZE {
        return Err(WsError::TooLarge(input.len()));
    }
    let mut reader = NsReader::from_str(input);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(xml_err)?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(WsError::Xml("content after the root element".into()));
                }
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(WsError::TooDeep);
                }
                let ns = ns_of(resolved, "an element")?;
                let name = String::from_utf8_lossy(start.local_name().into_inner()).into_owned();
                let mut el = Element {
                    ns,
                    name,
                    ..Element::default()
                };
                for attr in start.attributes() {
                    let attr = attr.map_err(xml_err)?;
                    let key = attr.key;
                    if key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (ans, local) = reader.resolve_attribute(key);
                    let ans = ns_of(ans, "an attribute")?;
                    let value = attr.unescape_value().map_err(xml_err)?.into_owned();
                    el.attrs.push((
                        ans,
                        String::from_utf8_lossy(local.into_inner()).into_owned(),
                        value,
                    ));
                }
                stack.push(el);
            }
            Event::End(_) => {
                let mut el = stack
                    .pop()
                    .ok_or_else(|| WsError::Xml("unbalanced end tag".into()))?;
                // Indentation between child elements is no content.
                if !el.children.is_empty() && el.trimmed().is_empty() {
                    el.text.clear();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let text = t.xml_content().map_err(xml_err)?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(t) => {
                let text = t.decode().map_err(xml_err)?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(xml_err)?.map(String::from)
                } else {
                    let name = r.decode().map_err(xml_err)?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                };
                let text = resolved.ok_or_else(|| WsError::Xml("undeclared entity".into()))?;
                push_text(&mut stack, &text)?;
            }
            Event::DocType(_) => return Err(WsError::Doctype),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Empty(_) => return Err(WsError::Xml("unexpected empty element".into())),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(WsError::Xml("unclosed element".into()));
    }
    root.ok_or_else(|| WsError::Xml("no root element".into()))
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), WsError> {
    match stack.last_mut() {
        Some(el) => {
            el.text.push_str(text);
            Ok(())
        }
        None if text.trim_matches([' ', '\t', '\r', '\n']).is_empty() => Ok(()),
        None => Err(WsError::Xml("text outside the root element".into())),
    }
}

fn prefix(ns: &str) -> Option<&'static str> {
    match ns {
        NS_SOAP => Some(PREFIX_SOAP),
        NS_WSA => Some(PREFIX_WSA),
        NS_GSMA => Some(PREFIX_GSMA),
        _ => None,
    }
}

/// Writes `root` as a document: XML declaration, the three known namespaces declared on
/// the root, other namespaces declared where used (`ns1`, `ns2`, …), 2-space indentation,
/// leaf text inline.
pub fn write(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut next = 0usize;
    write_el(root, 0, true, &mut out, &mut next);
    out.push('\n');
    out
}

fn qname(ns: &str, name: &str, decl: &mut String, next: &mut usize) -> String {
    if ns.is_empty() {
        return name.to_owned();
    }
    if ns == XML_NS {
        return format!("xml:{name}");
    }
    match prefix(ns) {
        Some(p) => format!("{p}:{name}"),
        None => {
            *next += 1;
            let p = format!("ns{next}");
            decl.push_str(&format!(" xmlns:{p}=\"{}\"", quick_xml::escape::escape(ns)));
            format!("{p}:{name}")
        }
    }
}

fn write_el(el: &Element, depth: usize, is_root: bool, out: &mut String, next: &mut usize) {
    let indent = "  ".repeat(depth);
    let mut decl = String::new();
    let tag = qname(&el.ns, &el.name, &mut decl, next);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&tag);
    if is_root {
        for (ns, p) in [
            (NS_SOAP, PREFIX_SOAP),
            (NS_WSA, PREFIX_WSA),
            (NS_GSMA, PREFIX_GSMA),
        ] {
            out.push_str(&format!(" xmlns:{p}=\"{ns}\""));
        }
    }
    out.push_str(&decl);
    for (ns, name, value) in &el.attrs {
        let mut adecl = String::new();
        let aname = qname(ns, name, &mut adecl, next);
        out.push_str(&adecl);
        out.push_str(&format!(
            " {aname}=\"{}\"",
            quick_xml::escape::escape(value.as_str())
        ));
    }
    if el.children.is_empty() {
        if el.text.is_empty() {
            out.push_str("/>");
        } else {
            out.push('>');
            out.push_str(&quick_xml::escape::escape(el.text.as_str()));
            out.push_str(&format!("</{tag}>"));
        }
        return;
    }
    out.push('>');
    for child in &el.children {
        out.push('\n');
        write_el(child, depth + 1, false, out, next);
    }
    out.push('\n');
    out.push_str(&indent);
    out.push_str(&format!("</{tag}>"));
}
