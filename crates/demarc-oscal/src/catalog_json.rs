//! Reading a catalog's JSON straight into the typed [`Catalog`], without a JSON value of the
//! whole document in between: the fast path for the common case, a catalog that uses only
//! what the OSCAL catalog model defines.
//!
//! It gives a catalog only when the reader over JSON values ([`crate::catalog::read`]) would
//! give the same one with no note and no error: every key it meets must be one that reader
//! knows (`deny_unknown_fields`), a string field must hold a string (never `null`), required
//! fields must be there, control ids must be unique. Anything else is `None`, and the caller
//! reads the document the slow way, which says what is wrong or left out. Tests hold the two
//! to the same catalog on every real catalog and on random breakages of them.
//!
//! A profile's imports read their catalogs this way: a catalog is held once, as typed
//! values, instead of as a JSON value and typed values at the same time.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::catalog::{
    Catalog, Constraint, ConstraintTest, Control, Group, HowMany, Link, Metadata, Param, Part,
    Prop, Resource, Select,
};

/// Read `bytes` (JSON) as an OSCAL catalog document, if it is one that reads without a note
/// or an error. `file` names it (as [`Catalog::file`]).
pub(crate) fn read(file: &str, bytes: &[u8]) -> Option<Catalog> {
    // Checked as UTF-8 once, not string by string as the parser does for bytes.
    let text = std::str::from_utf8(bytes).ok()?;
    typed(file, serde_json::from_str(text).ok()?)
}

fn typed(file: &str, Obj(doc): Obj<Doc>) -> Option<Catalog> {
    let Obj(c) = doc.catalog;
    let metadata = metadata(c.metadata)?;
    let back_matter = match c.back_matter {
        Some(b) => back_matter(b)?,
        None => Vec::new(),
    };
    let cat = Catalog {
        file: file.to_owned(),
        uuid: c.uuid,
        metadata,
        params: c.params.into_iter().map(|Obj(x)| Param::from(x)).collect(),
        controls: c
            .controls
            .into_iter()
            .map(|Obj(x)| Control::from(x))
            .collect(),
        groups: c.groups.into_iter().map(|Obj(x)| Group::from(x)).collect(),
        back_matter,
    };
    crate::catalog::check_unique_ids(&cat, file).ok()?;
    Some(cat)
}

/// A `T` read from a JSON object only. (A derived `Deserialize` for a struct also takes an
/// array of its fields in order, which the slow reader rightly refuses.)
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Only<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Only<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Only(PhantomData)).map(Obj)
    }
}

/// A list without the spare room it grew by while it was read (a catalog holds many short
/// lists: a control's one or two props would otherwise take room for four).
fn shrunk<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

/// A value that is there (`null` included: the slow reader reports a `null` back-matter).
fn some_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A string that must be a string when present (the slow reader reports `null` as an error).
fn some_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    catalog: Obj<RawCatalog>,
    #[serde(rename = "$schema")]
    _schema: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    uuid: String,
    metadata: Value,
    #[serde(default, deserialize_with = "shrunk")]
    params: Vec<Obj<RawParam>>,
    #[serde(default, deserialize_with = "shrunk")]
    controls: Vec<Obj<RawControl>>,
    #[serde(default, deserialize_with = "shrunk")]
    groups: Vec<Obj<RawGroup>>,
    #[serde(rename = "back-matter", default, deserialize_with = "some_value")]
    back_matter: Option<Value>,
}

/// Metadata is kept as read; its title is required, its version fields must be strings.
fn metadata(value: Value) -> Option<Metadata> {
    let m = value.as_object()?;
    let string = |key: &str| match m.get(key) {
        None => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    };
    let title = string("title")??;
    let version = string("version")?;
    let oscal_version = string("oscal-version")?;
    Some(Metadata {
        title,
        version,
        oscal_version,
        value,
    })
}

/// Back-matter resources as the slow reader takes them: an object whose `resources` (if any)
/// is an array of objects, each with a string uuid and, if any, a string title.
fn back_matter(value: Value) -> Option<Vec<Resource>> {
    let m = value.as_object()?;
    let Some(resources) = m.get("resources") else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for r in resources.as_array()? {
        let rm = r.as_object()?;
        let uuid = rm.get("uuid")?.as_str()?.to_owned();
        let title = match rm.get("title") {
            None => None,
            Some(t) => Some(t.as_str()?.to_owned()),
        };
        let rlinks = crate::catalog::rlink_hrefs(rm);
        out.push(Resource {
            uuid,
            title,
            rlinks,
            value: r.clone(),
        });
    }
    Some(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default, deserialize_with = "some_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    class: Option<String>,
    title: String,
    #[serde(default, deserialize_with = "shrunk")]
    params: Vec<Obj<RawParam>>,
    #[serde(default, deserialize_with = "shrunk")]
    props: Vec<Obj<RawProp>>,
    #[serde(default, deserialize_with = "shrunk")]
    links: Vec<Obj<RawLink>>,
    #[serde(default, deserialize_with = "shrunk")]
    parts: Vec<Obj<RawPart>>,
    #[serde(default, deserialize_with = "shrunk")]
    groups: Vec<Obj<RawGroup>>,
    #[serde(default, deserialize_with = "shrunk")]
    controls: Vec<Obj<RawControl>>,
}

impl From<RawGroup> for Group {
    fn from(g: RawGroup) -> Group {
        Group {
            id: g.id,
            class: g.class,
            title: g.title,
            params: g.params.into_iter().map(|Obj(x)| Param::from(x)).collect(),
            props: g.props.into_iter().map(|Obj(x)| Prop::from(x)).collect(),
            links: g.links.into_iter().map(|Obj(x)| Link::from(x)).collect(),
            parts: g.parts.into_iter().map(|Obj(x)| Part::from(x)).collect(),
            groups: g.groups.into_iter().map(|Obj(x)| Group::from(x)).collect(),
            controls: g
                .controls
                .into_iter()
                .map(|Obj(x)| Control::from(x))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    #[serde(default, deserialize_with = "some_string")]
    class: Option<String>,
    title: String,
    #[serde(default, deserialize_with = "shrunk")]
    params: Vec<Obj<RawParam>>,
    #[serde(default, deserialize_with = "shrunk")]
    props: Vec<Obj<RawProp>>,
    #[serde(default, deserialize_with = "shrunk")]
    links: Vec<Obj<RawLink>>,
    #[serde(default, deserialize_with = "shrunk")]
    parts: Vec<Obj<RawPart>>,
    #[serde(default, deserialize_with = "shrunk")]
    controls: Vec<Obj<RawControl>>,
}

impl From<RawControl> for Control {
    fn from(c: RawControl) -> Control {
        Control {
            id: c.id,
            class: c.class,
            title: c.title,
            params: c.params.into_iter().map(|Obj(x)| Param::from(x)).collect(),
            props: c.props.into_iter().map(|Obj(x)| Prop::from(x)).collect(),
            links: c.links.into_iter().map(|Obj(x)| Link::from(x)).collect(),
            parts: c.parts.into_iter().map(|Obj(x)| Part::from(x)).collect(),
            controls: c
                .controls
                .into_iter()
                .map(|Obj(x)| Control::from(x))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    #[serde(default, deserialize_with = "some_string")]
    id: Option<String>,
    name: String,
    #[serde(default, deserialize_with = "some_string")]
    ns: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    class: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "shrunk")]
    props: Vec<Obj<RawProp>>,
    #[serde(default, deserialize_with = "some_string")]
    prose: Option<String>,
    #[serde(default, deserialize_with = "shrunk")]
    parts: Vec<Obj<RawPart>>,
    #[serde(default, deserialize_with = "shrunk")]
    links: Vec<Obj<RawLink>>,
}

impl From<RawPart> for Part {
    fn from(p: RawPart) -> Part {
        Part {
            id: p.id,
            name: p.name,
            ns: p.ns,
            class: p.class,
            title: p.title,
            props: p.props.into_iter().map(|Obj(x)| Prop::from(x)).collect(),
            prose: p.prose,
            parts: p.parts.into_iter().map(|Obj(x)| Part::from(x)).collect(),
            links: p.links.into_iter().map(|Obj(x)| Link::from(x)).collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    id: String,
    #[serde(default, deserialize_with = "some_string")]
    class: Option<String>,
    #[serde(rename = "depends-on", default, deserialize_with = "some_string")]
    depends_on: Option<String>,
    #[serde(default, deserialize_with = "shrunk")]
    props: Vec<Obj<RawProp>>,
    #[serde(default, deserialize_with = "shrunk")]
    links: Vec<Obj<RawLink>>,
    #[serde(default, deserialize_with = "some_string")]
    label: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    usage: Option<String>,
    #[serde(default, deserialize_with = "shrunk")]
    constraints: Vec<Obj<RawConstraint>>,
    #[serde(default, deserialize_with = "shrunk")]
    guidelines: Vec<Obj<RawGuideline>>,
    #[serde(default, deserialize_with = "shrunk")]
    values: Vec<String>,
    #[serde(default, deserialize_with = "some_select")]
    select: Option<RawSelect>,
    #[serde(default, deserialize_with = "some_string")]
    remarks: Option<String>,
}

impl From<RawParam> for Param {
    fn from(p: RawParam) -> Param {
        Param {
            id: p.id,
            class: p.class,
            depends_on: p.depends_on,
            props: p.props.into_iter().map(|Obj(x)| Prop::from(x)).collect(),
            links: p.links.into_iter().map(|Obj(x)| Link::from(x)).collect(),
            label: p.label,
            usage: p.usage,
            constraints: p
                .constraints
                .into_iter()
                .map(|Obj(c)| Constraint {
                    description: c.description,
                    tests: c
                        .tests
                        .into_iter()
                        .map(|Obj(t)| ConstraintTest {
                            expression: t.expression,
                            remarks: t.remarks,
                        })
                        .collect(),
                })
                .collect(),
            guidelines: p.guidelines.into_iter().map(|Obj(g)| g.prose).collect(),
            values: p.values,
            select: p.select.map(|s| Select {
                how_many: s.how_many,
                choices: s.choice,
            }),
            remarks: p.remarks,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    #[serde(default, deserialize_with = "some_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "shrunk")]
    tests: Vec<Obj<RawTest>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    expression: String,
    #[serde(default, deserialize_with = "some_string")]
    remarks: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuideline {
    prose: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    #[serde(rename = "how-many", default, deserialize_with = "some_how_many")]
    how_many: Option<HowMany>,
    #[serde(default, deserialize_with = "shrunk")]
    choice: Vec<String>,
}

fn some_select<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawSelect>, D::Error> {
    Obj::<RawSelect>::deserialize(d).map(|Obj(s)| Some(s))
}

fn some_how_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<HowMany>, D::Error> {
    match String::deserialize(d)?.as_str() {
        "one" => Ok(Some(HowMany::One)),
        "one-or-more" => Ok(Some(HowMany::OneOrMore)),
        _ => Err(serde::de::Error::custom(
            "how-many is neither one nor one-or-more",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProp {
    name: String,
    value: String,
    #[serde(default, deserialize_with = "some_string")]
    ns: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    class: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    uuid: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    group: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    remarks: Option<String>,
}

impl From<RawProp> for Prop {
    fn from(p: RawProp) -> Prop {
        Prop {
            name: p.name,
            value: p.value,
            ns: p.ns,
            class: p.class,
            uuid: p.uuid,
            group: p.group,
            remarks: p.remarks,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    href: String,
    #[serde(default, deserialize_with = "some_string")]
    rel: Option<String>,
    #[serde(rename = "media-type", default, deserialize_with = "some_string")]
    media_type: Option<String>,
    #[serde(
        rename = "resource-fragment",
        default,
        deserialize_with = "some_string"
    )]
    resource_fragment: Option<String>,
    #[serde(default, deserialize_with = "some_string")]
    text: Option<String>,
}

impl From<RawLink> for Link {
    fn from(l: RawLink) -> Link {
        Link {
            href: l.href,
            rel: l.rel,
            media_type: l.media_type,
            resource_fragment: l.resource_fragment,
            text: l.text,
        }
    }
}
