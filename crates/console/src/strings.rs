//! Every user-visible string of the console, keyed by message id: one table to translate.

/// A display language. Only English ships; a new locale adds a column to the table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
}

macro_rules! messages {
    ($($id:ident => $en:expr,)*) => {
        /// A message id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($id,)* }
        impl Msg {
            /// Every message, for completeness checks of a translation.
            pub const ALL: &'static [Msg] = &[$(Msg::$id,)*];
            /// The stable key a translation file would use.
            pub fn key(self) -> &'static str {
                match self { $(Msg::$id => stringify!($id),)* }
            }
            fn en(self) -> &'static str {
                match self { $(Msg::$id => $en,)* }
            }
        }
    };
}

messages! {
    AppName => "vigil console",
    NavDashboard => "Dashboard",
    NavQueue => "Queue",
    NavBanks => "Banks",
    NavRules => "Rules",
    NavAudit => "Audit",
    NavSettings => "Settings",
    LogOut => "Log out",
    LoginTitle => "Sign in",
    LoginUser => "User name",
    LoginToken => "API token",
    LoginSubmit => "Sign in",
    LoginFailed => "unknown user name or token",
    LoginThrottled => "too many sign-in attempts; wait and try again",
    LoginHint => "Use the token printed by `vigil user add NAME --role ROLE`.",
    QueueTitle => "Review queue",
    QueueEmpty => "no cases match these filters",
    QueueKeys => "keys: j/k move, enter opens, c claims, r remove, s suspend, d dismiss, e escalate",
    FilterState => "State",
    FilterPlatform => "Platform",
    FilterLanguage => "Language",
    FilterCategory => "Category",
    FilterSignal => "Signal (detector)",
    FilterKind => "Kind",
    FilterApply => "Filter",
    Any => "any",
    Active => "active",
    All => "all",
    NextPage => "next page",
    ColCase => "Case",
    ColEntity => "Entity",
    ColPlatform => "Platform",
    ColCategory => "Category",
    ColPriority => "Priority",
    ColRisk => "Risk",
    ColState => "State",
    ColHolder => "Held by",
    ColSignals => "Signals",
    ColWhen => "When",
    ColCount => "Count",
    Claim => "Claim",
    Release => "Release",
    CaseTitle => "Case",
    Priority => "Priority",
    Risk => "risk",
    Reach => "reach",
    Recency => "recency",
    Post => "Post",
    Thread => "Thread (ancestors)",
    AccountHistory => "Account history",
    GroupMembers => "Other accounts in its clusters and campaigns",
    Members => "Members",
    MoreMembers => "more not shown",
    Signals => "Signals",
    Explanation => "Explanation",
    ShadowSignal => "shadow",
    Decisions => "Decisions",
    DecisionForm => "Decision",
    Action => "Action",
    Category => "Category",
    Dismissal => "Dismissal reason",
    Reason => "Reason (required)",
    Strikes => "Strikes per account",
    Label => "Label",
    Preview => "Preview",
    Decide => "Decide",
    PreviewTitle => "What this decision would touch",
    Targets => "Targets",
    Excluded => "Excluded",
    Webhooks => "Webhook deliveries",
    ReadOnly => "Your role may read this case but not decide it.",
    MediaReveal => "media: click to reveal",
    NoMedia => "no media",
    AccountTitle => "Account",
    RiskBreakdown => "Risk breakdown",
    ReturningLinks => "Returning-account links",
    Identities => "Cross-platform identities",
    OtherSignals => "Other signals",
    StrikesTotal => "Strikes",
    Seed => "Seed for returning-account linking",
    RecentPosts => "Recent posts",
    Followers => "followers",
    CampaignTitle => "Campaign",
    Timeline => "Timeline: posts (bars) and participants (line) per hour",
    TopTexts => "Top texts",
    TopMedia => "Top media",
    NetworkTitle => "Network",
    NetworkLegend => "Node colour: role when the detector names one, otherwise the account's case risk",
    OpenNetwork => "network drawing",
    OpenCampaign => "campaign timeline",
    BanksTitle => "Hash banks",
    BankItems => "Confirmed items",
    BankSignals => "Bank matches by source",
    Pending => "pending",
    Exported => "exported",
    RulesTitle => "Rules",
    ShadowHits => "Shadow hits (recorded, no effect)",
    LiveRules => "Live sources",
    AuditTitle => "Audit log",
    ChainOk => "chain verified",
    ChainBroken => "chain broken",
    ChainAdminOnly => "chain verification is for admins",
    Entries => "entries",
    DashboardTitle => "Dashboard",
    QueueSizes => "Queue sizes",
    TimeToDecision => "Time to decision",
    ActionsByCategory => "Actions by category",
    ActionsByPlatform => "Actions by platform",
    Languages => "Languages in the queue",
    OpenByPlatform => "Active cases by platform",
    OpenByCategory => "Active cases by category",
    SettingsTitle => "Settings",
    RevealMedia => "Show media unblurred by default",
    Save => "Save",
    Saved => "saved",
    Forbidden => "your role may not open this page or do this",
    NotFound => "not found",
    BadRequest => "bad request",
    CsrfFailed => "the form expired or came from elsewhere; reload and try again",
    Internal => "internal error",
    Conflict => "conflict",
    None_ => "none",
}

/// The text of `m` in `locale`.
pub fn tr(m: Msg, locale: Locale) -> &'static str {
    match locale {
        Locale::En => m.en(),
    }
}

/// The text of `m` in the default locale.
pub fn t(m: Msg) -> &'static str {
    tr(m, Locale::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_unique_key_and_text() {
        let mut keys: Vec<_> = Msg::ALL.iter().map(|m| m.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Msg::ALL.len());
        assert!(Msg::ALL.iter().all(|m| !t(*m).is_empty()));
    }
}
