//! SOAP plumbing shared by DPD Poland and DPD Europe: a small element tree read with
//! quick-xml's event reader (errors name the element and byte position), fault detection,
//! and escaping of every value written into a request envelope.

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::carrier::CarrierId;
use crate::error::CarrierError;

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Deepest element nesting accepted; DPD answers are a handful of levels deep.
const MAX_DEPTH: usize = 64;

/// One XML element: local name (prefix dropped), its own text, and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Local name, without namespace prefix.
    pub name: String,
    /// Concatenated text directly inside this element (entities resolved).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Node>,
}

impl Node {
    /// The first direct child called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All direct children called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of the first direct child called `name`, if non-empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The first element called `name` at any depth (this one included), depth-first.
    pub fn find(&self, name: &str) -> Option<&Node> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// All text in this element and below, whitespace-joined.
    pub fn deep_text(&self) -> String {
        let mut parts = Vec::new();
        self.collect_text(&mut parts);
        parts.join(" ")
    }

    fn collect_text<'a>(&'a self, out: &mut Vec<&'a str>) {
        let t = self.text.trim();
        if !t.is_empty() {
            out.push(t);
        }
        for c in &self.children {
            c.collect_text(out);
        }
    }
}

fn decode_err(carrier: CarrierId, what: &str, stack: &[Node], pos: u64) -> CarrierError {
    let path: Vec<&str> = stack.iter().map(|n| n.name.as_str()).collect();
    let inside = if path.is_empty() {
        String::new()
    } else {
        format!(" inside <{}>", path.join("/"))
    };
    CarrierError::Decode {
        carrier,
        detail: format!("malformed XML at byte {pos}{inside}: {what}"),
    }
}

/// Parses a whole XML document into its root element.
pub fn parse_tree(carrier: CarrierId, body: &[u8]) -> Result<Node, CarrierError> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| decode_err(carrier, &e.to_string(), &stack, reader.error_position()))?;
        let pos = reader.buffer_position();
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(decode_err(carrier, "nesting too deep", &stack, pos));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(Node {
                    name,
                    ..Node::default()
                });
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let node = Node {
                    name,
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(decode_err(carrier, "second root element", &stack, pos)),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(decode_err(carrier, "unexpected end tag", &stack, pos));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None if root.is_none() => root = Some(done),
                    None => return Err(decode_err(carrier, "second root element", &stack, pos)),
                }
            }
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| decode_err(carrier, &e.to_string(), &stack, pos))?;
                push_text(carrier, &mut stack, &text, pos)?;
            }
            Event::CData(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| decode_err(carrier, &e.to_string(), &stack, pos))?;
                push_text(carrier, &mut stack, &text, pos)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r
                            .decode()
                            .map_err(|e| decode_err(carrier, &e.to_string(), &stack, pos))?;
                        match resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                let what = format!("unknown entity &{name};");
                                return Err(decode_err(carrier, &what, &stack, pos));
                            }
                        }
                    }
                    Err(e) => return Err(decode_err(carrier, &e.to_string(), &stack, pos)),
                };
                push_text(carrier, &mut stack, &resolved, pos)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        let pos = reader.buffer_position();
        return Err(decode_err(
            carrier,
            "document ends before its elements close",
            &stack,
            pos,
        ));
    }
    root.ok_or_else(|| CarrierError::Decode {
        carrier,
        detail: "empty response: no XML element".to_string(),
    })
}

fn push_text(
    carrier: CarrierId,
    stack: &mut [Node],
    text: &str,
    pos: u64,
) -> Result<(), CarrierError> {
    match stack.last_mut() {
        Some(n) => {
            n.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(decode_err(
            carrier,
            "text outside the root element",
            stack,
            pos,
        )),
    }
}

/// The `Body` of a SOAP envelope, or a Decode error naming what was found instead.
pub fn body(carrier: CarrierId, root: &Node) -> Result<&Node, CarrierError> {
    if root.name != "Envelope" {
        return Err(CarrierError::Decode {
            carrier,
            detail: format!("expected a SOAP <Envelope>, found <{}>", root.name),
        });
    }
    root.child("Body").ok_or_else(|| CarrierError::Decode {
        carrier,
        detail: "SOAP <Envelope> has no <Body>".to_string(),
    })
}

/// A SOAP fault: `faultstring` plus every text in `detail` (DPD Europe puts its error code there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The fault string.
    pub message: String,
    /// Text of the `detail` element (error codes and messages), if any.
    pub detail: String,
}

impl Fault {
    /// True when the fault says the credentials or token were refused.
    pub fn is_auth(&self) -> bool {
        let all = format!("{} {}", self.message, self.detail);
        all.contains("Access denied") || all.contains("DELICOM_ERR_AUTHENTICATION")
    }

    /// Human text: the fault string, with the detail when it adds something.
    pub fn text(&self) -> String {
        if self.detail.is_empty() {
            self.message.clone()
        } else {
            format!("{} ({})", self.message, self.detail)
        }
    }

    /// The typed error: Unauthorized for access/authentication faults, Rejected otherwise.
    pub fn into_error(self, carrier: CarrierId) -> CarrierError {
        if self.is_auth() {
            CarrierError::Unauthorized {
                carrier,
                detail: self.text(),
            }
        } else {
            CarrierError::Rejected {
                carrier,
                status: None,
                detail: self.text(),
            }
        }
    }
}

/// The fault in a SOAP body, if there is one.
pub fn fault(body: &Node) -> Option<Fault> {
    let f = body.child("Fault")?;
    Some(Fault {
        message: f
            .child_text("faultstring")
            .unwrap_or("SOAP fault without faultstring")
            .to_string(),
        detail: f.child("detail").map(Node::deep_text).unwrap_or_default(),
    })
}

/// Best-effort description of a non-2xx SOAP answer for `http_util::classify`.
pub fn describe(body: &[u8]) -> String {
    parse_tree(CarrierId::Dpd, body)
        .ok()
        .and_then(|root| root.child("Body").and_then(fault))
        .map(|f| f.text())
        .unwrap_or_else(|| crate::http_util::body_snippet(body))
}

/// Writes `<name>value</name>` with the value escaped.
pub fn element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(value));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Wraps header and body content in a SOAP 1.1 envelope declaring each `(prefix, namespace)`.
pub fn envelope(namespaces: &[(&str, &str)], header: &str, body: &str) -> String {
    let mut decl = String::new();
    for (prefix, ns) in namespaces {
        decl.push_str(&format!(" xmlns:{prefix}=\"{ns}\""));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soapenv:Envelope xmlns:soapenv=\"{SOAP_ENV_NS}\"{decl}>\
         <soapenv:Header>{header}</soapenv:Header>\
         <soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
}
