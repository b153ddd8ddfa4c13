//! The model files exactly as written: serde types with source spans, and the JSON Schema
//! (`demarc schema`) derived from the same types so the two cannot drift apart.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use demarc_core::model::Implementation;
use demarc_core::{Date, Layer, ServiceModel, Status, TaskKind};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// `demarc.yaml`: the model's name, its customer and the catalogues it uses.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "demarc model (demarc.yaml)")]
pub struct ModelFile {
    /// A name for the model, e.g. "Riverside Trust — IT services".
    pub name: String,
    /// The id of the organisation this model is for (one of the parties).
    #[schemars(with = "String")]
    pub customer: Spanned<String>,
    /// Catalogues of responsibilities to use: built-in names (`demarc catalog list`) or paths
    /// of catalogue files relative to this directory.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub catalogues: Vec<Spanned<String>>,
    /// A label for this version of the model, e.g. the one the contract refers to.
    #[serde(default)]
    pub version: Option<String>,
    /// When the whole model was last reviewed and is next due.
    #[serde(default)]
    #[schemars(with = "Option<ReviewFile>")]
    pub review: Option<Spanned<ReviewFile>>,
}

/// Any file of a model directory: what `demarc schema` prints by default.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[schemars(
    title = "demarc model file",
    description = "A file of a demarc model directory: demarc.yaml, parties.yaml, services.yaml, allocations/*.yaml, or a catalogue."
)]
#[allow(dead_code)]
pub enum AnyModelFile {
    Model(ModelFile),
    Parties(PartiesFile),
    Services(ServicesFile),
    Allocations(AllocationsFile),
    Catalogue(CatalogueFile),
}

/// Review dates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewFile {
    #[serde(default)]
    pub last: Option<YDate>,
    #[serde(default)]
    pub next: Option<YDate>,
}

/// `parties.yaml`: the organisation, its suppliers and their suppliers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "demarc parties (parties.yaml)")]
pub struct PartiesFile {
    #[serde(default)]
    pub parties: Vec<PartyRaw>,
}

/// A party: the customer organisation, a supplier, or a supplier's supplier.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyRaw {
    /// A short id used everywhere else in the model (e.g. `acme-it`).
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
    /// What kind of party: customer, msp, saas, paas, iaas, internal, sub-processor, ...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Roles people hold at this party; tasks may name one.
    #[serde(default)]
    pub roles: Vec<RoleRaw>,
    /// Contacts and signatories.
    #[serde(default)]
    pub people: Vec<PersonRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRaw {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRaw {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// The id of one of this party's roles.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub role: Option<Spanned<String>>,
    /// Job title, as printed in a sign-off block.
    #[serde(default)]
    pub title: Option<String>,
    /// Signs the model for this party.
    #[serde(default)]
    pub signatory: bool,
}

/// `services.yaml`: what each party provides and who uses it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "demarc services (services.yaml)")]
pub struct ServicesFile {
    #[serde(default)]
    pub services: Vec<ServiceRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRaw {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The party that provides the service.
    #[schemars(with = "String")]
    pub provider: Spanned<String>,
    /// The party that uses it, when not the model's customer (e.g. the SaaS vendor that runs
    /// its product on this cloud service).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub customer: Option<Spanned<String>>,
    /// How it is delivered; chooses the presets that pre-fill its allocations.
    #[serde(default)]
    pub model: Option<ServiceModelRaw>,
    /// Services this one runs on (ids).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub built_on: Vec<Spanned<String>>,
    /// Presets to apply, by id; leave out to use those for the service model, `[]` for none.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub presets: Option<Vec<Spanned<String>>>,
    /// The agreement that commits the provider, e.g. "Managed Services Agreement 2025".
    #[serde(default)]
    pub contract: Option<String>,
    /// What proves the provider does its part (certificate, report).
    #[serde(default)]
    pub evidence: EvidenceList,
    /// Software or products in the service, as cpe or purl, for routing vulnerabilities.
    #[serde(default)]
    pub components: Vec<String>,
}

/// `allocations/<service>.yaml`: who does each responsibility for one service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "demarc allocations of one service (allocations/*.yaml)")]
pub struct AllocationsFile {
    /// The service these allocations are for.
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// Responsibility id → allocation: a bare status, or the full form.
    #[serde(default)]
    pub responsibilities: OrderedMap<CellRaw>,
}

/// A catalogue file: responsibilities grouped in areas, and presets over them. A file may hold
/// only presets (a supplier's published standard model over another catalogue).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "demarc catalogue")]
pub struct CatalogueFile {
    #[serde(default)]
    pub catalogue: Option<CatalogueInfoRaw>,
    #[serde(default)]
    pub areas: Vec<AreaRaw>,
    #[serde(default)]
    pub presets: Vec<PresetRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueInfoRaw {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaRaw {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub responsibilities: Vec<ResponsibilityRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityRaw {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: String,
    /// What doing it means, in plain language.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub layer: Option<LayerRaw>,
    /// Can never be outsourced.
    #[serde(default)]
    pub retained: bool,
    /// Framework name → ids, e.g. `nist-800-53: [RA-5]`.
    #[serde(default)]
    pub mappings: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub suggested_tasks: Vec<SuggestedTaskRaw>,
    /// The parts of its statement, each of which a task may cover on its own (an OSCAL
    /// control's statement items, `ac-2_smt.a`).
    #[serde(default)]
    pub statements: Vec<StatementRaw>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRaw {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestedTaskRaw {
    #[serde(default)]
    pub kind: TaskKindRaw,
    pub description: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PresetRaw {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Services of this model use the preset unless they choose their own.
    #[serde(default)]
    pub service_model: Option<ServiceModelRaw>,
    /// Responsibility id → allocation. Task owners are `provider` or `customer`.
    #[serde(default)]
    pub allocations: OrderedMap<CellRaw>,
}

/// One allocation: a bare status (`supplier`), or the full form.
#[derive(Debug)]
pub enum CellRaw {
    Short(Status),
    Full(Box<CellFull>),
}

/// The full form of an allocation.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellFull {
    #[serde(default)]
    pub status: StatusRaw,
    /// Why it does not apply (required for not-applicable).
    #[serde(default)]
    pub reason: Option<String>,
    /// For inherited: the built-on service it comes from (needed when there are several).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    /// For customer or supplier: what the owner does.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub sla: Option<String>,
    #[serde(default)]
    pub evidence: EvidenceList,
    /// The contract clause that commits the owner.
    #[serde(default)]
    pub contract: Option<String>,
    /// The tasks a shared row is split into, or extra tasks (an oversight task of the
    /// customer on a supplier row).
    #[serde(default)]
    pub tasks: Vec<TaskRaw>,
    /// A party disputes this row; blocks sign-off until removed.
    #[serde(default)]
    pub contested: Option<ContestRaw>,
    /// When this row must next be reviewed.
    #[serde(default)]
    pub review_by: Option<YDate>,
    /// How far the work is in place: implemented, partial, planned or alternative.
    #[serde(default)]
    pub implementation: Option<ImplementationRaw>,
    #[serde(default)]
    pub note: Option<String>,
    /// Presets only: overriding this entry is almost always a mistake.
    #[serde(default)]
    pub expected: bool,
    /// Presets only: why.
    #[serde(default)]
    pub why: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRaw {
    /// Exactly one owner: a party id, or `provider` / `customer`.
    #[schemars(with = "String")]
    pub owner: Spanned<OneOrMany>,
    /// The id of one of the owner's roles.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub role: Option<Spanned<String>>,
    /// `operate` does the work; `oversee` decides, approves or reviews.
    #[serde(default)]
    pub kind: TaskKindRaw,
    /// The part of the responsibility's statement this task covers (an id from its
    /// `statements`); left out, the task covers all of it.
    #[serde(default)]
    pub statement: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub sla: Option<String>,
    #[serde(default)]
    pub evidence: EvidenceList,
    #[serde(default)]
    pub contract: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestRaw {
    /// The party that disputes the row.
    #[schemars(with = "String")]
    pub by: Spanned<String>,
    pub comment: String,
}

// ---- scalars with their own parsing ----

/// A date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy)]
pub struct YDate(pub Date);

impl<'de> Deserialize<'de> for YDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<YDate, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(YDate).map_err(de::Error::custom)
    }
}

impl JsonSchema for YDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
    }
}

macro_rules! word_enum {
    ($raw:ident, $core:ty, $default:expr, $what:literal) => {
        #[derive(Debug, Clone, Copy)]
        pub struct $raw(pub $core);

        impl Default for $raw {
            fn default() -> Self {
                $raw($default)
            }
        }

        impl<'de> Deserialize<'de> for $raw {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$raw, D::Error> {
                let s = String::deserialize(d)?;
                <$core>::parse(&s).map($raw).ok_or_else(|| {
                    let all: Vec<&str> = <$core>::ALL.iter().map(|v| v.as_str()).collect();
                    de::Error::custom(format!(
                        "unknown {} `{s}`, expected one of {}",
                        $what,
                        all.join(", ")
                    ))
                })
            }
        }

        impl JsonSchema for $raw {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($raw).trim_end_matches("Raw").into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let all: Vec<&str> = <$core>::ALL.iter().map(|v| v.as_str()).collect();
                json_schema!({"type": "string", "enum": all})
            }
        }
    };
}

word_enum!(StatusRaw, Status, Status::Undecided, "status");
word_enum!(LayerRaw, Layer, Layer::Governance, "layer");
word_enum!(
    ImplementationRaw,
    Implementation,
    Implementation::Implemented,
    "implementation status"
);
word_enum!(
    ServiceModelRaw,
    ServiceModel,
    ServiceModel::Saas,
    "service model"
);

word_enum!(TaskKindRaw, TaskKind, TaskKind::Operate, "task kind");

// ---- shapes with a short and a long form ----

impl<'de> Deserialize<'de> for CellRaw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CellRaw, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CellRaw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status (customer, supplier, shared, inherited, not-applicable, undecided) or a map with `status:`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CellRaw, E> {
                Status::parse(s).map(CellRaw::Short).ok_or_else(|| {
                    E::custom(format!(
                        "unknown status `{s}`, expected one of customer, supplier, shared, inherited, not-applicable, undecided"
                    ))
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<CellRaw, E> {
                Ok(CellRaw::Short(Status::Undecided))
            }
            fn visit_none<E: de::Error>(self) -> Result<CellRaw, E> {
                Ok(CellRaw::Short(Status::Undecided))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CellRaw, A::Error> {
                CellFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|c| CellRaw::Full(Box::new(c)))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for CellRaw {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Allocation".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let status = g.subschema_for::<StatusRaw>();
        let full = g.subschema_for::<CellFull>();
        json_schema!({"anyOf": [status, full, {"type": "null"}]})
    }
}

/// One owner, or (wrongly, but kept to report it) several.
#[derive(Debug, Clone)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OneOrMany, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a party id")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![s.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Evidence: a description, a map with dates, or a list of either.
#[derive(Debug, Default)]
pub struct EvidenceList(pub Vec<EvidenceRaw>);

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRaw {
    /// What it is: "ISO/IEC 27001 certificate", "monthly patch report".
    pub description: String,
    #[serde(default)]
    pub collected: Option<YDate>,
    #[serde(default)]
    pub expires: Option<YDate>,
}

struct EvidenceItem(EvidenceRaw);

impl<'de> Deserialize<'de> for EvidenceItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EvidenceItem, D::Error> {
        d.deserialize_any(EvidenceVisitor::<EvidenceItem>(PhantomData))
    }
}

struct EvidenceVisitor<T>(PhantomData<T>);

trait FromEvidence: Sized {
    fn one(e: EvidenceRaw) -> Self;
    fn many<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;
}

impl FromEvidence for EvidenceItem {
    fn one(e: EvidenceRaw) -> Self {
        EvidenceItem(e)
    }
    fn many<'de, A: SeqAccess<'de>>(_: A) -> Result<Self, A::Error> {
        Err(de::Error::custom(
            "expected one piece of evidence, found a list",
        ))
    }
}

impl FromEvidence for EvidenceList {
    fn one(e: EvidenceRaw) -> Self {
        EvidenceList(vec![e])
    }
    fn many<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut v = Vec::new();
        while let Some(EvidenceItem(e)) = seq.next_element()? {
            v.push(e);
        }
        Ok(EvidenceList(v))
    }
}

impl<'de, T: FromEvidence> Visitor<'de> for EvidenceVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "evidence: a description, a map with description/collected/expires, or a list of them",
        )
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        Ok(T::one(EvidenceRaw {
            description: s.to_owned(),
            collected: None,
            expires: None,
        }))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        EvidenceRaw::deserialize(de::value::MapAccessDeserializer::new(map)).map(T::one)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::many(seq)
    }
}

impl<'de> Deserialize<'de> for EvidenceList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EvidenceList, D::Error> {
        d.deserialize_any(EvidenceVisitor::<EvidenceList>(PhantomData))
    }
}

impl JsonSchema for EvidenceList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Evidence".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let item = g.subschema_for::<EvidenceRaw>();
        json_schema!({"anyOf": [
            {"type": "string"},
            item.clone(),
            {"type": "array", "items": {"anyOf": [{"type": "string"}, item]}}
        ]})
    }
}

/// A YAML map whose order and key locations are kept.
#[derive(Debug)]
pub struct OrderedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderedMap<V>, D::Error> {
        struct MapV<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapV<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of responsibility ids to allocations")
            }
            fn visit_unit<E: de::Error>(self) -> Result<OrderedMap<V>, E> {
                Ok(OrderedMap(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<V>, A::Error> {
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<V>()?;
                    v.push((k, value));
                }
                Ok(OrderedMap(v))
            }
        }
        d.deserialize_map(MapV(PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let v = g.subschema_for::<V>();
        json_schema!({"type": "object", "additionalProperties": v})
    }
}
