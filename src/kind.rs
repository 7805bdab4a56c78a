//! The estate's kinds: their names, embedded JSON Schemas and reference fields.

/// The `apiVersion` every estate document carries.
pub const API_VERSION: &str = "estatelint/v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Organization,
    Owner,
    System,
    Backup,
    Integration,
}

/// A field of one kind that names an entity of another.
pub struct RefField {
    /// Dotted path from the document root, e.g. `spec.dependsOn`.
    pub path: &'static str,
    pub target: Kind,
    /// A sequence of names rather than one name.
    pub many: bool,
}

const fn r(path: &'static str, target: Kind, many: bool) -> RefField {
    RefField { path, target, many }
}

impl Kind {
    /// How many kinds there are: the length of every table kept per kind.
    pub const COUNT: usize = 5;

    pub const ALL: [Kind; Kind::COUNT] = [
        Kind::Organization,
        Kind::Owner,
        Kind::System,
        Kind::Backup,
        Kind::Integration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Organization => "Organization",
            Kind::Owner => "Owner",
            Kind::System => "System",
            Kind::Backup => "Backup",
            Kind::Integration => "Integration",
        }
    }

    /// The kind's name after its indefinite article, as a message says it ("an Owner").
    pub fn with_article(self) -> &'static str {
        match self {
            Kind::Organization => "an Organization",
            Kind::Owner => "an Owner",
            Kind::System => "a System",
            Kind::Backup => "a Backup",
            Kind::Integration => "an Integration",
        }
    }

    /// Parses a kind as written in `kind:`; `estatelint schema` also takes it in lowercase.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s || k.name().eq_ignore_ascii_case(s))
    }

    /// The kind's JSON Schema (draft 2020-12), as shipped in `schemas/`.
    pub fn schema(self) -> &'static str {
        match self {
            Kind::Organization => include_str!("../schemas/organization.schema.json"),
            Kind::Owner => include_str!("../schemas/owner.schema.json"),
            Kind::System => include_str!("../schemas/system.schema.json"),
            Kind::Backup => include_str!("../schemas/backup.schema.json"),
            Kind::Integration => include_str!("../schemas/integration.schema.json"),
        }
    }

    /// Fields of this kind that reference other entities by `metadata.name`.
    pub fn ref_fields(self) -> &'static [RefField] {
        use Kind::*;
        const OWNER: &[RefField] = &[r("spec.deputy", Owner, false)];
        const SYSTEM: &[RefField] = &[
            r("spec.owner", Owner, false),
            r("spec.dependsOn", System, true),
        ];
        const BACKUP: &[RefField] = &[
            r("spec.owner", Owner, false),
            r("spec.covers", System, true),
        ];
        const INTEGRATION: &[RefField] =
            &[r("spec.from", System, false), r("spec.to", System, false)];
        match self {
            Organization => &[],
            Owner => OWNER,
            System => SYSTEM,
            Backup => BACKUP,
            Integration => INTEGRATION,
        }
    }
}

/// Kinds under `estatelint/v1` that are not estate entities (rule packs may live beside the
/// estate); `check` passes over them.
pub const NON_ESTATE_KINDS: [&str; 1] = ["RulePack"];
