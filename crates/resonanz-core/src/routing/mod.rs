//! Routing: ordered rules that set team, priority, tags and owner of a case and tell people about
//! it, evaluated on ingest, after Assist's analysis and when a person changes a case; and fair
//! assignment of an owner among a team's members.
//!
//! Rules are checked when saved (unknown fields, bad regular expressions, unknown teams or users
//! are refused with a message naming the spot). A rule that fails at run time is skipped, the
//! failure is stored on the rule for administrators and in the audit trail, and the case goes on.

mod assign;
mod rules;

use std::sync::{Arc, Mutex};

use chrono::{Datelike, Timelike};
use serde::Serialize;

pub use assign::{AssignInput, Assignment, Availability, Candidate, DEFAULT_DISTRESSING_CAP, Skip, Skipped, choose};
pub use rules::{
    CompiledRule, Condition, Conditions, DISTRESSING, FIELDS, Facts, NotifyTarget, Op, OwnerStrategy, RoutingRule,
    RuleActions, RuleMatch, RuleSet, Trigger, combine, compile, is_distressing, matching,
};

use crate::audit::NewAuditEvent;
use crate::case::{Case, normalise_tags};
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::{CaseId, RoutingRuleId, UserId};
use crate::message::Message;
use crate::notify::{Notice, notify};
use crate::service::Core;
use crate::store::Tx;
use crate::user::{Actor, Role, User};

/// What a person sends to create or change a rule.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: String,
    pub enabled: bool,
    /// Default: `created` and `analysed`.
    pub triggers: Option<Vec<Trigger>>,
    pub conditions: Conditions,
    pub actions: RuleActions,
    pub stop: bool,
    /// Position among the rules; default: last.
    pub ordinal: Option<i64>,
}

/// Compiled rules of the process, rebuilt when the stored rules change.
#[derive(Default)]
pub struct RuleCache {
    /// The stored rules the cache was compiled from.
    source: Vec<RoutingRule>,
    compiled: Arc<RuleSet>,
    failed: Arc<Vec<(RoutingRuleId, String)>>,
}

pub type SharedRuleCache = Arc<Mutex<RuleCache>>;

/// Rules that compiled, and those that did not with why.
type Compiled = (Arc<RuleSet>, Arc<Vec<(RoutingRuleId, String)>>);

/// Whether two lists of stored rules compile the same. Compared by content, not by `updated_at`
/// alone: two changes within one clock tick, or a rule that can no longer be read (it comes back
/// disabled), leave the timestamp as it was. The error record does not matter.
fn same_rules(a: &[RoutingRule], b: &[RoutingRule]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.id == y.id
                && x.ordinal == y.ordinal
                && x.updated_at == y.updated_at
                && x.enabled == y.enabled
                && x.stop == y.stop
                && x.name == y.name
                && x.triggers == y.triggers
                && x.conditions == y.conditions
                && x.actions == y.actions
        })
}

/// The answer to "which rules would match this case?".
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub case_id: CaseId,
    pub trigger: Trigger,
    pub matches: Vec<RuleMatch>,
    /// What they would do together.
    pub actions: RuleActions,
    /// Whom the owner strategy would pick now (when the case has no owner).
    pub assignment: Option<Assignment>,
    /// Rules that could not be evaluated.
    pub failed: Vec<(RoutingRuleId, String)>,
}

fn primary_language(tag: &str) -> String {
    tag.split(['-', '_']).next().unwrap_or_default().to_lowercase()
}

impl Core {
    /// The compiled enabled rules, from the cache when the stored rules did not change.
    fn compiled_rules(&self, rules: &[RoutingRule]) -> Compiled {
        let mut cache = self.rule_cache.lock().unwrap_or_else(|p| p.into_inner());
        if !same_rules(&cache.source, rules) {
            let mut compiled = Vec::new();
            let mut failed = Vec::new();
            for r in rules {
                match compile(r) {
                    Ok(c) => compiled.push(c),
                    Err(errors) => failed.push((r.id, field_errors_text(&errors))),
                }
            }
            *cache = RuleCache {
                source: rules.to_vec(),
                compiled: Arc::new(RuleSet::new(compiled)),
                failed: Arc::new(failed),
            };
        }
        (cache.compiled.clone(), cache.failed.clone())
    }

    /// The facts rules read about a case.
    pub(crate) async fn routing_facts(
        &self,
        tx: &mut dyn Tx,
        case: &Case,
        message: Option<&Message>,
        analysis: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> CoreResult<Facts> {
        let mut f = Facts::of_case(case);
        let last;
        let message = match message {
            Some(m) => Some(m),
            None => {
                last = tx.last_inbound_message(case.id).await?;
                last.as_ref()
            }
        };
        if let Some(m) = message {
            f.body = m.text_body.chars().take(20_000).collect::<String>().to_lowercase();
        }
        let analysis = match analysis {
            Some(a) => Some(a.clone()),
            None => match message {
                Some(m) => tx.message_analysis(m.id).await?.and_then(|a| a.result),
                None => None,
            },
        };
        if let Some(a) = &analysis {
            let s = |p: &str| a.pointer(p).and_then(|v| v.as_str()).map(str::to_lowercase);
            f.language = s("/language/code").filter(|l| l != "und");
            f.sentiment = s("/sentiment/label");
            f.urgency = s("/urgency/level");
        }
        if let Some(c) = tx.contact(case.contact_id).await? {
            if f.language.is_none() {
                f.language = Some(primary_language(&c.contact.language));
            }
            f.contact_attributes = c.contact.attributes.clone();
            if let Some(email) = c.identities.iter().find(|i| i.kind == crate::contact::IdentityKind::Email) {
                f.contact_email = Some(email.value.clone());
                f.contact_domain = email.value.rsplit_once('@').map(|(_, d)| d.to_string());
            }
            if let Some(org) = c.contact.organisation_id {
                f.contact_organisation = self.store.organisation(org).await?.map(|o| o.name.to_lowercase());
            }
        }
        if let Some(mb) = case.mailbox_id {
            f.mailbox = tx.mailbox(mb).await?.map(|m| m.address.to_lowercase());
        }
        if let Some(t) = case.team_id {
            f.team_name = tx.team(t).await?.map(|t| t.name.to_lowercase());
        }
        let local = now.with_timezone(&self.settings.time_zone);
        f.weekday = local.weekday().number_from_monday();
        f.hour = local.hour();
        let ctx = self.sla_context(tx, case.team_id).await?;
        f.business_hours = ctx.calendar(case.team_id).is_open(now);
        Ok(f)
    }

    /// Picks an owner for a case among the team's members (pure `choose` over the store's load).
    async fn pick_owner(
        &self,
        tx: &mut dyn Tx,
        case: &Case,
        strategy: OwnerStrategy,
        language: Option<&str>,
        now: Timestamp,
    ) -> CoreResult<Option<Assignment>> {
        let Some(team) = case.team_id else { return Ok(None) };
        let local = now.with_timezone(&self.settings.time_zone);
        let midnight = local
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(self.settings.time_zone).earliest())
            .map_or(now, |d| d.with_timezone(&chrono::Utc));
        let settings = crate::responsibility::settings_in(tx).await?;
        let loads = tx.assignment_load(team, midnight).await?;
        let candidates: Vec<Candidate> = loads
            .into_iter()
            .map(|(u, open, distressing)| Candidate {
                user_id: u.id,
                active: u.active,
                availability: u.availability,
                absent_until: u.absent_until,
                languages: u.languages.clone(),
                open_cases: open,
                distressing_today: distressing,
                distressing_cap: u.distressing_cap.unwrap_or(settings.distressing_cap),
            })
            .collect();
        let previous_owner = match strategy {
            OwnerStrategy::PreviousOwner => tx.previous_owner(case.contact_id, case.id).await?,
            _ => None,
        };
        let input = AssignInput {
            strategy,
            candidates: &candidates,
            language,
            distressing: is_distressing(case),
            round_robin_last: tx.round_robin_last(team).await?,
            previous_owner,
            now,
        };
        Ok(Some(choose(&input)))
    }

    /// Evaluates the rules for a trigger and applies what matched to `case` (not yet saved),
    /// inside `tx`. Failures of single rules are recorded and skipped.
    pub(crate) async fn route(
        &self,
        tx: &mut dyn Tx,
        case: &mut Case,
        trigger: Trigger,
        message: Option<&Message>,
        analysis: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> CoreResult<()> {
        let stored = tx.routing_rules().await?;
        if !stored.iter().any(|r| r.enabled && r.triggers.contains(&trigger)) {
            return Ok(());
        }
        let (compiled, failed) = self.compiled_rules(&stored);
        for (id, error) in failed.iter() {
            if stored.iter().any(|r| r.id == *id && r.enabled && r.triggers.contains(&trigger)) {
                record_rule_failure(tx, *id, case.id, error, now).await?;
            }
        }
        let facts = self.routing_facts(tx, case, message, analysis, now).await?;
        let matches = matching(&compiled, trigger, &facts);
        for m in matches {
            self.apply_match(tx, case, &m, &facts, now).await?;
        }
        Ok(())
    }

    async fn apply_match(
        &self,
        tx: &mut dyn Tx,
        case: &mut Case,
        m: &RuleMatch,
        facts: &Facts,
        now: Timestamp,
    ) -> CoreResult<()> {
        let a = &m.actions;
        let mut changes = serde_json::Map::new();
        if let Some(team) = a.team_id
            && case.team_id != Some(team)
        {
            if case.safeguarding {
                changes.insert("team_skipped".into(), "safeguarding protocol".into());
            } else if tx.team(team).await?.is_none() {
                return record_rule_failure(tx, m.rule_id, case.id, "the rule's team no longer exists", now).await;
            } else {
                case.team_id = Some(team);
                changes.insert("team_id".into(), serde_json::json!(team));
            }
        }
        if let Some(p) = a.priority
            && case.priority != p
        {
            case.priority = p;
            changes.insert("priority".into(), serde_json::json!(p));
        }
        if !a.add_tags.is_empty() {
            let mut tags = case.tags.clone();
            tags.extend(a.add_tags.iter().cloned());
            let tags = normalise_tags(&tags);
            if tags != case.tags {
                case.tags = tags;
                changes.insert("tags".into(), serde_json::json!(case.tags));
            }
        }
        let mut assignment = None;
        if let Some(strategy) = a.owner
            && case.owner_id.is_none()
        {
            assignment = self.pick_owner(tx, case, strategy, facts.language.as_deref(), now).await?;
            if let Some(chosen) = assignment.as_ref().and_then(|x| x.chosen) {
                case.owner_id = Some(chosen);
                if let (Some(team), OwnerStrategy::RoundRobin) = (case.team_id, strategy) {
                    tx.set_round_robin_last(team, chosen).await?;
                }
                changes.insert("owner_id".into(), serde_json::json!(chosen));
                let note = format!("Regel „{}“", m.name);
                crate::responsibility::log_assignment(tx, case, None, "routing", Some(m.rule_id), &note, now).await?;
                let body = format!("{} „{}“ wurde Ihnen zugewiesen ({note}).", case.reference(), case.subject);
                let n = Notice {
                    user: chosen,
                    kind: "assigned",
                    case_id: Some(case.id),
                    reference: Some(case.reference()),
                    actor: None,
                    body,
                    now,
                };
                notify(tx, n).await?;
            }
        }
        // A rule tells people about a case once, even when it matches again on a later trigger.
        // Read through the transaction: an earlier mail of the same batch may have told them.
        let told_before = !a.notify.is_empty()
            && tx.subject_events_of("case", &case.id.to_string(), "case.routed").await?.iter().any(|e| {
                e.after.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()).is_some_and(|v| {
                    v["rule_id"] == serde_json::json!(m.rule_id)
                        && v["notified"].as_array().is_some_and(|n| !n.is_empty())
                })
            });
        let mut told = Vec::new();
        for target in a.notify.iter().filter(|_| !told_before) {
            match target {
                NotifyTarget::Owner => told.extend(case.owner_id),
                NotifyTarget::TeamLead => told.extend(crate::responsibility::team_lead(tx, case.team_id).await?),
                NotifyTarget::Team => {
                    if let Some(t) = case.team_id {
                        told.extend(tx.team_member_ids(t).await?);
                    }
                }
                NotifyTarget::Supervisors => told.extend(
                    self.store
                        .list_users()
                        .await?
                        .into_iter()
                        .filter(|u| u.active && u.role == Role::Supervisor)
                        .map(|u| u.id),
                ),
                NotifyTarget::User(u) => told.push(*u),
            }
        }
        told.sort();
        told.dedup();
        for user in &told {
            let body = format!("{} „{}“ – Regel „{}“", case.reference(), case.subject, m.name);
            let n = Notice {
                user: *user,
                kind: "routed",
                case_id: Some(case.id),
                reference: Some(case.reference()),
                actor: None,
                body,
                now,
            };
            notify(tx, n).await?;
        }
        tx.append_audit(NewAuditEvent::new(&Actor::System, "case.routed", "case", case.id, now).after(
            serde_json::json!({
                "rule_id": m.rule_id,
                "rule": m.name,
                "because": m.because,
                "changes": changes,
                "assignment": assignment,
                "notified": told,
            }),
        ))
        .await
    }

    pub async fn routing_rules(&self) -> CoreResult<Vec<RoutingRule>> {
        self.store.routing_rules().await
    }

    /// Checks a rule fully: its shape (`compile`) and that its teams and users exist.
    async fn check_rule(&self, tx: &mut dyn Tx, rule: &RoutingRule) -> CoreResult<()> {
        let mut errors = compile(rule).err().unwrap_or_default();
        if let Some(t) = rule.actions.team_id
            && tx.team(t).await?.is_none()
        {
            errors.push(FieldError::new("actions.team_id", "unknown_team", "no such team"));
        }
        for (i, n) in rule.actions.notify.iter().enumerate() {
            if let NotifyTarget::User(u) = n
                && tx.user(*u).await?.is_none()
            {
                errors.push(FieldError::new(&format!("actions.notify[{i}]"), "unknown_user", "no such user"));
            }
        }
        crate::contact::check(errors)
    }

    pub async fn create_routing_rule(&self, actor: &User, input: RuleInput) -> CoreResult<RoutingRule> {
        self.require_role(&Actor::User(actor.id), |r| r == Role::Admin, "only administrators manage routing rules")
            .await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let existing = tx.routing_rules().await?;
        let ordinal = input.ordinal.unwrap_or_else(|| existing.iter().map(|r| r.ordinal).max().unwrap_or(0) + 10);
        let triggers = input.triggers.unwrap_or_else(|| vec![Trigger::Created, Trigger::Analysed]);
        let rule = RoutingRule {
            ordinal,
            enabled: input.enabled,
            stop: input.stop,
            updated_by: Some(actor.id),
            ..RoutingRule::new(&input.name, triggers, input.conditions, input.actions, now)
        };
        self.check_rule(&mut *tx, &rule).await?;
        tx.insert_routing_rule(&rule).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor.id), "routing_rule.created", "routing_rule", rule.id, now)
                .after(&rule),
        )
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    pub async fn update_routing_rule(
        &self,
        actor: &User,
        id: RoutingRuleId,
        input: RuleInput,
    ) -> CoreResult<RoutingRule> {
        self.require_role(&Actor::User(actor.id), |r| r == Role::Admin, "only administrators manage routing rules")
            .await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let before = tx.routing_rule(id).await?.ok_or(CoreError::NotFound("routing rule"))?;
        let rule = RoutingRule {
            ordinal: input.ordinal.unwrap_or(before.ordinal),
            name: input.name.trim().to_string(),
            enabled: input.enabled,
            triggers: input.triggers.unwrap_or_else(|| before.triggers.clone()),
            conditions: input.conditions,
            actions: input.actions,
            stop: input.stop,
            updated_at: now,
            updated_by: Some(actor.id),
            // A changed rule starts with a clean record.
            error_count: 0,
            last_error: None,
            last_error_at: None,
            ..before.clone()
        };
        self.check_rule(&mut *tx, &rule).await?;
        tx.update_routing_rule(&rule).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor.id), "routing_rule.updated", "routing_rule", id, now)
                .before(&before)
                .after(&rule),
        )
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    pub async fn delete_routing_rule(&self, actor: &User, id: RoutingRuleId) -> CoreResult<()> {
        self.require_role(&Actor::User(actor.id), |r| r == Role::Admin, "only administrators manage routing rules")
            .await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let before = tx.routing_rule(id).await?.ok_or(CoreError::NotFound("routing rule"))?;
        tx.delete_routing_rule(id).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor.id), "routing_rule.deleted", "routing_rule", id, now).before(&before),
        )
        .await?;
        tx.commit().await
    }

    /// Which rules would match this case now (for `trigger`), what they would do together, and
    /// whom the owner strategy would pick. Changes nothing. With `draft`, that rule is tried alone
    /// (checked like a saved one, so its errors come back as field errors).
    pub async fn dry_run(
        &self,
        user: &User,
        case_id: CaseId,
        trigger: Trigger,
        draft: Option<RuleInput>,
    ) -> CoreResult<DryRun> {
        let case = self.visible_case(user, case_id).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let (compiled, failed) = match draft {
            Some(input) => {
                let rule = RoutingRule {
                    stop: input.stop,
                    updated_by: Some(user.id),
                    ..RoutingRule::new(&input.name, vec![trigger], input.conditions, input.actions, now)
                };
                self.check_rule(&mut *tx, &rule).await?;
                let c = compile(&rule).map_err(CoreError::Invalid)?;
                (Arc::new(RuleSet::new(vec![c])), Arc::new(Vec::new()))
            }
            None => {
                let stored = tx.routing_rules().await?;
                self.compiled_rules(&stored)
            }
        };
        let facts = self.routing_facts(&mut *tx, &case, None, None, now).await?;
        let matches = matching(&compiled, trigger, &facts);
        let actions = combine(&matches);
        let mut assignment = None;
        if let Some(strategy) = actions.owner
            && case.owner_id.is_none()
        {
            let mut target = case.clone();
            if let Some(t) = actions.team_id.filter(|_| !case.safeguarding) {
                target.team_id = Some(t);
            }
            assignment = self.pick_owner(&mut *tx, &target, strategy, facts.language.as_deref(), now).await?;
        }
        // Read only: dropping the transaction rolls it back.
        drop(tx);
        Ok(DryRun { case_id, trigger, matches, actions, assignment, failed: failed.as_ref().clone() })
    }

    /// Sets a person's availability, languages and own cap (themselves, or an administrator).
    pub async fn set_availability(
        &self,
        actor: &User,
        user_id: UserId,
        availability: Availability,
        absent_until: Option<Timestamp>,
        languages: Option<Vec<String>>,
        distressing_cap: Option<Option<i64>>,
    ) -> CoreResult<User> {
        if actor.id != user_id && actor.role != Role::Admin {
            return Err(CoreError::Forbidden("only administrators change other people's availability".into()));
        }
        if distressing_cap.is_some() && actor.role != Role::Admin {
            return Err(CoreError::Forbidden("only administrators set the daily cap".into()));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut u = tx.user(user_id).await?.ok_or(CoreError::NotFound("user"))?;
        let before = (u.availability, u.absent_until, u.languages.clone(), u.distressing_cap);
        u.availability = availability;
        u.absent_until = if availability == Availability::Absent { absent_until } else { None };
        if let Some(langs) = languages {
            let mut clean: Vec<String> =
                langs.iter().map(|l| primary_language(l.trim())).filter(|l| !l.is_empty()).collect();
            clean.sort();
            clean.dedup();
            if clean.len() > 20 || clean.iter().any(|l| l.len() > 8 || !l.chars().all(|c| c.is_ascii_alphabetic())) {
                return Err(CoreError::invalid("languages", "invalid_language", "language tags such as de, en, tr"));
            }
            u.languages = clean;
        }
        if let Some(cap) = distressing_cap {
            if cap.is_some_and(|c| !(0..=100).contains(&c)) {
                return Err(CoreError::invalid("distressing_cap", "out_of_range", "between 0 and 100"));
            }
            u.distressing_cap = cap;
        }
        tx.update_user(&u).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor.id), "user.availability_changed", "user", user_id, now)
                .before(serde_json::json!({"availability": before.0, "absent_until": before.1, "languages": before.2, "distressing_cap": before.3}))
                .after(serde_json::json!({"availability": u.availability, "absent_until": u.absent_until, "languages": u.languages, "distressing_cap": u.distressing_cap})),
        )
        .await?;
        tx.commit().await?;
        Ok(u)
    }
}

/// Records that a rule could not be evaluated or applied: on the rule (for administrators) and
/// in the audit trail. The case goes on without it.
async fn record_rule_failure(
    tx: &mut dyn Tx,
    rule: RoutingRuleId,
    case: CaseId,
    error: &str,
    now: Timestamp,
) -> CoreResult<()> {
    tx.record_rule_error(rule, error, now).await?;
    tx.append_audit(
        NewAuditEvent::new(&Actor::System, "routing_rule.failed", "routing_rule", rule, now)
            .after(serde_json::json!({"case_id": case, "error": error})),
    )
    .await
}

fn field_errors_text(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}
