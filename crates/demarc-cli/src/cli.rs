//! Every command and flag, defined once with its help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "demarc",
    version,
    about = "Shared responsibility models: who does each security responsibility, for each service",
    long_about = "demarc keeps a shared responsibility model as plain YAML files: the organisation, its \
suppliers, the services they provide, and for each responsibility who does it. It checks the model for \
gaps and contradictions and turns it into the documents people sign.\n\nStart with `demarc init my-model \
--preset twt`, then `demarc check my-model`.",
    after_help = "Exit status: 0 success; 1 the model has errors (check); 2 the input cannot be read or is invalid."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Colour in terminal output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "DEMARC_COLOR")]
    pub color: ColorChoice,

    /// The date to check review and expiry dates against (YYYY-MM-DD); today by default.
    #[arg(long, global = true, env = "DEMARC_TODAY", value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a model for gaps, contradictions and loose ends.
    Check(CheckArgs),
    /// Show who does what, on the terminal.
    Matrix(MatrixArgs),
    /// Write the matrix, a contract schedule, a policy annex or a board summary.
    Export(ExportArgs),
    /// Show what changed between two versions of a model, and whether it must be signed again.
    Diff(DiffArgs),
    /// Read allocations from another format into a model.
    Import(ImportArgs),
    /// Write a starter model to fill in.
    Init(InitArgs),
    /// Print the JSON Schema of the model files (for editors).
    Schema(SchemaArgs),
    /// List or show the built-in catalogues and presets.
    #[command(alias = "catalogue")]
    Catalog(CatalogArgs),
    /// Work with NIST OSCAL documents: validate them, resolve a profile.
    Oscal(OscalArgs),
    /// Run the workshop: a web UI and JSON API where the organisation and its suppliers build,
    /// check and sign the model together.
    Serve(ServeArgs),
    /// Set up or upgrade the server's database.
    Db(DbArgs),
    /// Manage the server's user accounts.
    User(UserArgs),
    /// Move models between model directories and the server's workspaces.
    Workspace(WorkspaceArgs),
    /// Check the server's audit log.
    Audit(AuditArgs),
}

/// Where the server keeps its data.
#[derive(Debug, Args, Clone)]
pub struct DatabaseArg {
    /// The database: a SQLite file (created if missing), or postgres://user@host/db.
    #[arg(
        long,
        env = "DEMARC_DATABASE_URL",
        default_value = "demarc.db",
        value_name = "URL"
    )]
    pub database: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The address and port to listen on (loopback unless told otherwise).
    #[arg(
        long,
        env = "DEMARC_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR:PORT"
    )]
    pub listen: std::net::SocketAddr,
    /// Give the first account a filled-in demo workspace (the Riverside example).
    #[arg(long)]
    pub demo: bool,
    /// Mark cookies Secure: set this when people reach the server over HTTPS (directly or
    /// through a proxy).
    #[arg(long, env = "DEMARC_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The largest request body accepted (uploads), in MiB.
    #[arg(long, default_value_t = 10, value_name = "MIB")]
    pub max_upload_mib: usize,
    /// Connections to the database.
    #[arg(long, default_value_t = 16)]
    pub pool: u32,
    /// Do not migrate the database at start-up (run `demarc db migrate` as its own step).
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub action: DbAction,
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Bring the database schema up to date (safe to run from several nodes at once).
    Migrate(DatabaseArg),
    /// Print the schema version and whether it is current; exit 1 if not.
    Status(DatabaseArg),
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub action: UserAction,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add an account. The password is read from DEMARC_PASSWORD, or the first line of stdin.
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// May create workspaces for others and see the server's settings.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    #[command(subcommand)]
    pub action: WorkspaceAction,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceAction {
    /// List every workspace with its id.
    List(DatabaseArg),
    /// Create a workspace from a model directory, owned by an existing user.
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// The model directory.
        dir: PathBuf,
        /// The workspace's name (the model's name by default).
        #[arg(long)]
        name: Option<String>,
        /// The email of the user who will own it.
        #[arg(long)]
        owner: String,
    },
    /// Make an API token for a workspace (printed once: only its hash is kept).
    Token {
        #[command(flatten)]
        db: DatabaseArg,
        /// The workspace id (see `demarc workspace list`).
        workspace: String,
        /// What the token is for ("CI").
        #[arg(long)]
        name: String,
        /// The role it acts with: owner, editor, auditor or viewer.
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Write a workspace's model as a model directory (replacing its model files).
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// The workspace id (see `demarc workspace list`).
        workspace: String,
        /// The directory to write.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check every workspace's hash chain: exit 1 if an entry was edited or removed.
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
        /// Only this workspace.
        #[arg(long)]
        workspace: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct OscalArgs {
    #[command(subcommand)]
    pub action: OscalAction,
}

#[derive(Debug, Subcommand)]
pub enum OscalAction {
    /// Check OSCAL files against the OSCAL 1.2.3 JSON Schema and check what the schema cannot:
    /// references across documents, unmet customer responsibilities, missing controls.
    /// Exit 0 clean, 1 findings, 2 unreadable.
    Validate(OscalValidateArgs),
    /// Resolve a profile (a baseline) into the catalog it selects and tailors.
    Resolve(OscalResolveArgs),
}

#[derive(Debug, Args)]
pub struct OscalValidateArgs {
    /// OSCAL files (JSON or YAML), or directories holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A profile: report each of its controls that no system security plan implements.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Where to look for files that documents refer to by URL or name: directories, or the
    /// files themselves (used whatever their names).
    #[arg(long, value_name = "PATH")]
    pub search: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct OscalResolveArgs {
    /// The profile.
    pub profile: PathBuf,
    /// The catalog its imports name (a directory to search is also accepted), when the
    /// import's href does not lead to it.
    #[arg(long, value_name = "FILE")]
    pub catalog: Vec<PathBuf>,
    /// Write the resolved catalog here (written whole or not at all); standard output if left out.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Only show findings with these codes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub only: Vec<String>,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// The model directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Show one service: each responsibility with who does it and through which chain.
    #[arg(long, value_name = "ID", conflicts_with = "party")]
    pub service: Option<String>,
    /// Show what one party holds across all services.
    #[arg(long, value_name = "ID")]
    pub party: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    #[value(alias = "markdown")]
    Md,
    Html,
    Csv,
    Json,
    /// An OSCAL system security plan of one party's system (--party; default: the model's
    /// customer): what it provides to and asks of its customers, what it inherits.
    OscalSsp,
    /// An OSCAL component definition of one provider's services (--party).
    OscalComponent,
    /// An OSCAL customer responsibility matrix for one customer (--party): only what it must
    /// do and may inherit, without the provider's internal text.
    OscalCrm,
    /// The NIST prototype shared-responsibility document (experimental).
    OscalSrm,
    /// The matrix as an Excel workbook to fill in offline (drop-down lists, protected ids);
    /// `demarc import xlsx` reads it back. Needs -o or a redirected standard output.
    Xlsx,
    /// A FedRAMP CIS/CRM workbook (SSP Appendix J layout) of one provider's service
    /// (--party, --service). Needs -o or a redirected standard output.
    Crm,
    /// A PDF of the document chosen by --what (contract schedule, policy annex, board summary,
    /// matrix). Needs -o or a redirected standard output.
    Pdf,
    /// A Word document (.docx) of the document chosen by --what. Needs -o or a redirected
    /// standard output.
    Docx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// Every responsibility for every service.
    Matrix,
    /// A contract schedule for one supplier (needs --party).
    Schedule,
    /// An annex for the information security policy.
    PolicyAnnex,
    /// A one-page summary for the board.
    Summary,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// What to write (default: the matrix). Not for the OSCAL formats, which say what they are.
    #[arg(long, value_enum)]
    pub what: Option<ExportWhat>,
    /// The supplier (for a schedule), or the party to show (for the matrix). For oscal-ssp,
    /// oscal-component and oscal-srm: the provider whose system it describes (default: the
    /// model's customer's own system, else the system at the end of the chain); for
    /// oscal-crm: the customer the slice is for.
    #[arg(long, value_name = "ID")]
    pub party: Option<String>,
    /// Only this service (for the matrix); for oscal-crm, the service whose responsibility
    /// matrix it is (default: the furthest downstream one the customer uses).
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier version (a model directory).
    pub old: PathBuf,
    /// The later version.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Read a matrix CSV (as `demarc export --format csv` writes it) into a model's allocations.
    Csv(ImportCsvArgs),
    /// Read OSCAL catalogs, profiles, component definitions and system security plans (one,
    /// or a directory holding a chain of them) into a new model directory.
    Oscal(ImportOscalArgs),
    /// Read a matrix workbook (as `demarc export --format xlsx` writes it, filled in by a
    /// supplier) back into a model.
    Xlsx(ImportXlsxArgs),
    /// Read a FedRAMP CIS/CRM workbook (SSP Appendix J) into a model: the provider's service
    /// with each control's status, origination and what the customer must do.
    Crm(ImportCrmArgs),
    /// Read a provider's CSA CAIQ v4 answers (XLSX or CSV) into a model.
    Caiq(ImportCaiqArgs),
    /// Read provider security baselines (the Azure per-service baselines) as presets, so a
    /// service starts from the provider's published split.
    Baseline(ImportBaselineArgs),
}

/// Where an import goes: a new model directory, or an existing model to update.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ImportTarget {
    /// Write a new model directory (must not exist, or be empty).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<std::path::PathBuf>,
    /// Update this existing model directory (files that do not change are left byte for byte).
    #[arg(long, value_name = "DIR")]
    pub into: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportXlsxArgs {
    /// The workbook (.xlsx).
    pub file: PathBuf,
    #[command(flatten)]
    pub target: ImportTarget,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportCrmArgs {
    /// The workbook (.xlsx).
    pub file: PathBuf,
    #[command(flatten)]
    pub target: ImportTarget,
    /// The baseline whose worksheets to read (high, moderate, low, li-saas), when the workbook
    /// has more than one filled in.
    #[arg(long, value_name = "LEVEL")]
    pub baseline: Option<String>,
    /// The provider's name (default: from the workbook's sheet or header names).
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The service's id in the model (default: from the provider's name; with --into, an
    /// existing service of that id is updated).
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// An OSCAL catalog (or resolved profile) to title the controls with.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportCaiqArgs {
    /// The CAIQ v4 answers (.xlsx or .csv).
    pub file: PathBuf,
    #[command(flatten)]
    pub target: ImportTarget,
    /// The provider's name (default: from the workbook, else "Provider").
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The service's id in the model (default: from the provider's name; with --into, an
    /// existing service of that id is updated).
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportBaselineArgs {
    /// Baseline workbooks (.xlsx), or directories holding them; or one catalogue file (.yaml)
    /// with presets (a supplier's own standard model), added with --into.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: ImportTarget,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportOscalArgs {
    /// OSCAL files (JSON or YAML), or directories holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The model directory to write (must not exist, or be empty).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Where to look for files that documents refer to by URL or name (catalogs, leveraged
    /// plans): directories, or the files themselves.
    #[arg(long, value_name = "PATH")]
    pub search: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ImportCsvArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// The model directory whose allocations it replaces (parties, services and catalogues
    /// stay as they are).
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to create (must not exist or be empty).
    pub dir: PathBuf,
    /// The built-in catalogue to start from.
    #[arg(long, default_value = "twt", value_name = "CATALOGUE")]
    pub preset: String,
    /// The organisation's name.
    #[arg(long, default_value = "Our organisation")]
    pub name: String,
    /// The service model of the example supplier's service.
    #[arg(long, default_value = "managed-service", value_name = "MODEL")]
    pub service_model: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaWhich {
    /// Any model file (each file's schema, combined).
    All,
    Model,
    Parties,
    Services,
    Allocations,
    Catalogue,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema.
    #[arg(long, value_enum, default_value_t = SchemaWhich::All)]
    pub file: SchemaWhich,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub action: CatalogAction,
}

#[derive(Debug, Subcommand)]
pub enum CatalogAction {
    /// List the built-in catalogues.
    List,
    /// Show a catalogue: its areas, responsibilities and presets.
    Show {
        name: String,
        /// `text` to read, `yaml` to copy into a model directory and adapt.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Yaml,
}
