//! Satisfaction (CSAT): when a case is resolved and surveys are on, the contact gets a short mail
//! with a link; the page behind it asks for 1–5 and a comment, without signing in. Only the
//! SHA-256 of the link's token is stored.

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::case::Case;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CaseId, ContactId, SurveyId, TeamId};
use crate::service::{Core, Outgoing, default_recipient, outbound_message};
use crate::store::Tx;
use crate::user::Actor;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: SurveyId,
    pub case_id: CaseId,
    pub contact_id: ContactId,
    #[serde(skip)]
    pub token_sha256: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<Timestamp>,
}

/// What the public survey page may show: the case reference, nothing personal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyPage {
    pub reference: String,
    pub expired: bool,
    pub answered: bool,
    pub rating: Option<i64>,
}

/// Counts for reports.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CsatSummary {
    pub team_id: Option<TeamId>,
    pub sent: i64,
    pub answered: i64,
    /// Answers per rating 1..=5.
    pub ratings: [i64; 5],
    /// Mean rating, `None` without answers.
    pub average: Option<f64>,
    /// Share of 4 and 5 among the answers (the usual CSAT score), 0..=1.
    pub satisfied_share: Option<f64>,
}

impl CsatSummary {
    pub fn finish(mut self) -> Self {
        let n: i64 = self.ratings.iter().sum();
        if n > 0 {
            let sum: i64 = self.ratings.iter().enumerate().map(|(i, c)| (i as i64 + 1) * c).sum();
            self.average = Some(sum as f64 / n as f64);
            self.satisfied_share = Some((self.ratings[3] + self.ratings[4]) as f64 / n as f64);
        }
        self
    }
}

pub const MAX_COMMENT_CHARS: usize = 2000;

/// The survey mail, in German or English; the disclosure says a machine sent it and how to reach a
/// person.
fn survey_text(link: &str, reference: &str, english: bool) -> String {
    if english {
        return format!(
            "Hello,\n\nyour request {reference} is resolved. How satisfied were you with our answer? A short rating \
             (1 to 5, with a comment if you like) helps us improve:\n\n{link}\n\nThe survey is voluntary and needs \
             no sign-in.\n\nThis message was sent automatically. To reach a person, simply reply to this e-mail – \
             your answer goes to our team."
        );
    }
    format!(
        "Guten Tag,\n\nIhr Anliegen {reference} ist erledigt. Wie zufrieden waren Sie mit unserer Antwort? \
         Eine kurze Bewertung (1 bis 5 Sterne, wenn Sie mögen mit einem Kommentar) hilft uns, besser zu werden:\n\n\
         {link}\n\nDie Umfrage ist freiwillig und braucht keine Anmeldung.\n\n\
         Diese Nachricht wurde automatisch versendet. Wenn Sie eine Person erreichen möchten, antworten Sie einfach \
         auf diese E-Mail – Ihre Antwort landet bei unserem Team."
    )
}

/// Sends a survey for a case that was just resolved, if surveys are on and the case allows it.
/// Never for safeguarding or threat cases, never twice for the same resolution.
pub(crate) async fn maybe_send(core: &Core, tx: &mut dyn Tx, case: &mut Case, now: Timestamp) -> CoreResult<()> {
    let settings = super::settings_in(tx).await?;
    // The administrator's address for links wins over the server's `--public-url`.
    let base = Some(settings.public_url.trim().to_string())
        .filter(|u| !u.is_empty())
        .or_else(|| core.settings.public_url.clone())
        .unwrap_or_default();
    if !settings.csat_enabled || base.is_empty() {
        return Ok(());
    }
    // Not for safeguarding, threats or spam, and no rating request to children or people in a
    // sensitive situation.
    if case.safeguarding
        || case.categories.iter().any(|c| ["threat", "spam", "child", "sensitive"].contains(&c.as_str()))
    {
        return Ok(());
    }
    // One survey per resolution: none if one was sent after the clock last started.
    let started = case.sla.started_at.unwrap_or(case.created_at);
    if tx.case_surveys(case.id).await?.iter().any(|s| s.created_at >= started) {
        return Ok(());
    }
    let mailbox = match case.mailbox_id {
        Some(id) => tx.mailbox(id).await?,
        None => tx.default_mailbox().await?,
    };
    let Some(mailbox) = mailbox else { return Ok(()) };
    let last_in = tx.last_inbound_message(case.id).await?;
    let Some(to) = default_recipient(tx, case, last_in.as_ref()).await? else { return Ok(()) };
    let token = crate::passwords::secret();
    let survey = Survey {
        id: SurveyId::new(now),
        case_id: case.id,
        contact_id: case.contact_id,
        token_sha256: crate::admin::token_hash(&token),
        created_at: now,
        expires_at: now + chrono::Duration::days(settings.csat_valid_days),
        rating: None,
        comment: None,
        answered_at: None,
    };
    tx.insert_survey(&survey).await?;
    let link = format!("{}/umfrage/{token}", base.trim_end_matches('/'));
    let english = tx.contact(case.contact_id).await?.is_some_and(|c| c.contact.language.starts_with("en"));
    let text = survey_text(&link, &case.reference(), english);
    let message = outbound_message(
        case,
        &mailbox,
        last_in.as_ref(),
        Outgoing { to: vec![to.clone()], cc: Vec::new(), text: &text, author: None, now },
    );
    crate::service::queue_automatic(tx, &message, &mailbox, now).await?;
    case.last_message_at = now;
    tx.append_audit(
        NewAuditEvent::new(&Actor::System, "case.survey_sent", "case", case.id, now)
            .after(serde_json::json!({"survey_id": survey.id, "message_id": message.id, "to": to})),
    )
    .await
}

impl Core {
    async fn survey_for(&self, token: &str) -> CoreResult<Survey> {
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Err(CoreError::NotFound("survey"));
        }
        self.store.survey_by_token(&crate::admin::token_hash(token)).await?.ok_or(CoreError::NotFound("survey"))
    }

    /// What the public page shows for a survey link.
    pub async fn survey_page(&self, token: &str) -> CoreResult<SurveyPage> {
        let s = self.survey_for(token).await?;
        let case = self.store.case(s.case_id).await?.ok_or(CoreError::NotFound("case"))?;
        Ok(SurveyPage {
            reference: case.reference(),
            expired: s.expires_at <= self.clock.now(),
            answered: s.answered_at.is_some(),
            rating: s.rating,
        })
    }

    /// Stores an answer (once; an expired link refuses).
    pub async fn answer_survey(&self, token: &str, rating: i64, comment: &str) -> CoreResult<()> {
        if !(1..=5).contains(&rating) {
            return Err(CoreError::invalid("rating", "out_of_range", "a rating from 1 to 5"));
        }
        let comment = comment.trim();
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(CoreError::invalid("comment", "too_long", format!("at most {MAX_COMMENT_CHARS} characters")));
        }
        let now = self.clock.now();
        let found = self.survey_for(token).await?;
        let mut tx = self.store.begin().await?;
        let mut s = tx.survey(found.id).await?.ok_or(CoreError::NotFound("survey"))?;
        if s.expires_at <= now {
            return Err(CoreError::Conflict("this survey link has expired".into()));
        }
        if s.answered_at.is_some() {
            return Err(CoreError::Conflict("this survey was answered already".into()));
        }
        s.rating = Some(rating);
        s.comment = (!comment.is_empty()).then(|| comment.to_string());
        s.answered_at = Some(now);
        tx.update_survey(&s).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::Contact(s.contact_id), "case.survey_answered", "case", s.case_id, now)
                .after(serde_json::json!({"survey_id": s.id, "rating": rating, "comment": s.comment})),
        )
        .await?;
        tx.commit().await
    }

    pub async fn case_surveys(&self, case_id: CaseId) -> CoreResult<Vec<Survey>> {
        self.store.case_surveys(case_id).await
    }

    /// Satisfaction over surveys sent in `[from, to)`: overall first, then per team.
    pub async fn csat_report(&self, from: Timestamp, to: Timestamp) -> CoreResult<Vec<CsatSummary>> {
        let rows = self.store.survey_stats(from, to).await?;
        let mut overall = CsatSummary::default();
        let mut teams: Vec<CsatSummary> = Vec::new();
        for (team, rating) in rows {
            let t = match teams.iter_mut().find(|t| t.team_id == team) {
                Some(t) => t,
                None => {
                    teams.push(CsatSummary { team_id: team, ..Default::default() });
                    teams.last_mut().ok_or(CoreError::NotFound("team"))?
                }
            };
            for s in [&mut overall, t] {
                s.sent += 1;
                if let Some(r) = rating.filter(|r| (1..=5).contains(r)) {
                    s.answered += 1;
                    s.ratings[(r - 1) as usize] += 1;
                }
            }
        }
        let mut out = vec![overall.finish()];
        out.extend(teams.into_iter().map(CsatSummary::finish));
        Ok(out)
    }
}
