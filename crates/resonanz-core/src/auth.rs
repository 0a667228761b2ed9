//! Signing in: sessions, lockout after failed attempts, password change and reset.
//!
//! Session ids and reset tokens are random 256-bit secrets handed to the browser or mailed; only
//! their SHA-256 is stored, so a leaked database holds no usable session.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::admin::token_hash;
use crate::audit::NewAuditEvent;
use crate::clock::Timestamp;
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::jobs::{NewJob, SendSystemMail};
use crate::passwords;
use crate::service::Core;
use crate::user::{Actor, User};

/// A session ends after this long without a request…
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// …and after this long in any case.
pub const SESSION_MAX: Duration = Duration::days(14);
/// Failed sign-ins in a row that lock an account…
pub const MAX_FAILED_LOGINS: i64 = 5;
/// …for this long.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// A password reset link is valid this long.
pub const RESET_VALID: Duration = Duration::hours(1);
/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY: Duration = Duration::minutes(1);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id_sha256: String,
    pub user_id: UserId,
    /// Sent with every state-changing request (form field or header) and compared here.
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PasswordReset {
    pub token_sha256: String,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// Why a sign-in was refused. Unknown address and wrong password are one answer on purpose.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginRefused {
    BadCredentials,
    Locked { until: Timestamp },
}

/// A new session: the secret goes into the cookie, the rest stays here.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub session: Session,
    pub user: User,
}

impl Core {
    /// Checks e-mail and password. Five failures in a row lock the account for 15 minutes; a
    /// locked account is refused without looking at the password.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
    ) -> CoreResult<Result<NewSession, LoginRefused>> {
        let now = self.clock.now();
        let email = email.trim().to_lowercase();
        let Some(mut user) = self.store.user_by_email(&email).await?.filter(|u| u.active) else {
            // Same work as for a real user, so timing does not tell which addresses exist.
            passwords::verify(password, passwords::dummy_hash());
            return Ok(Err(LoginRefused::BadCredentials));
        };
        if let Some(until) = user.locked_until
            && until > now
        {
            return Ok(Err(LoginRefused::Locked { until }));
        }
        if !passwords::verify(password, &user.password_hash) {
            let mut tx = self.store.begin().await?;
            let mut current = tx.user(user.id).await?.ok_or(CoreError::NotFound("user"))?;
            current.failed_logins += 1;
            let locked = current.failed_logins >= MAX_FAILED_LOGINS;
            if locked {
                current.failed_logins = 0;
                current.locked_until = Some(now + LOCKOUT);
                tx.append_audit(
                    NewAuditEvent::new(&Actor::System, "user.locked", "user", user.id, now)
                        .after(serde_json::json!({"until": now + LOCKOUT, "reason": "failed_logins"})),
                )
                .await?;
            }
            tx.update_user(&current).await?;
            tx.commit().await?;
            return Ok(Err(if locked {
                LoginRefused::Locked { until: now + LOCKOUT }
            } else {
                LoginRefused::BadCredentials
            }));
        }
        if user.failed_logins != 0 || user.locked_until.is_some() {
            // Re-read inside the transaction: only the counters change, never a concurrent edit.
            let mut tx = self.store.begin().await?;
            let mut current = tx.user(user.id).await?.ok_or(CoreError::NotFound("user"))?;
            current.failed_logins = 0;
            current.locked_until = None;
            tx.update_user(&current).await?;
            tx.commit().await?;
            user = current;
        }
        let secret = passwords::secret();
        let session = Session {
            id_sha256: token_hash(&secret),
            user_id: user.id,
            csrf_token: passwords::secret(),
            user_agent: user_agent.chars().take(300).collect(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_MAX,
        };
        self.store.insert_session(&session).await?;
        Ok(Ok(NewSession { secret, session, user }))
    }

    /// The signed-in user of a session secret, if the session is alive and the user active.
    pub async fn session_user(&self, secret: &str) -> CoreResult<Option<(User, Session)>> {
        let now = self.clock.now();
        let sha = token_hash(secret);
        let Some(mut session) = self.store.session(&sha).await? else { return Ok(None) };
        if session.expires_at <= now || session.last_seen_at + SESSION_IDLE <= now {
            self.store.delete_session(&sha).await?;
            return Ok(None);
        }
        let Some(user) = self.store.user(session.user_id).await?.filter(|u| u.active) else { return Ok(None) };
        if now - session.last_seen_at >= TOUCH_EVERY {
            self.store.touch_session(&sha, now).await?;
            session.last_seen_at = now;
        }
        Ok(Some((user, session)))
    }

    pub async fn logout(&self, secret: &str) -> CoreResult<()> {
        self.store.delete_session(&token_hash(secret)).await
    }

    /// Ends every session of a user (all devices), except `keep_secret`'s if given.
    pub async fn logout_everywhere(&self, user: UserId, keep_secret: Option<&str>) -> CoreResult<u64> {
        let keep = keep_secret.map(token_hash);
        let n = self.store.delete_user_sessions(user, keep.as_deref()).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(user), "user.sessions_ended", "user", user, now)
                .after(serde_json::json!({"sessions": n})),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Changes one's own password; every other session of the user ends.
    pub async fn change_password(
        &self,
        user: UserId,
        current: &str,
        new: &str,
        keep_secret: Option<&str>,
    ) -> CoreResult<()> {
        let u = self.store.user(user).await?.ok_or(CoreError::NotFound("user"))?;
        if !passwords::verify(current, &u.password_hash) {
            return Err(CoreError::invalid("current_password", "wrong_password", "the current password is wrong"));
        }
        passwords::check_new("new_password", new)?;
        self.set_password(&Actor::User(user), user, new).await?;
        self.store.delete_user_sessions(user, keep_secret.map(token_hash).as_deref()).await?;
        Ok(())
    }

    /// Sets a password (after a reset, by an administrator, or by the user) and lifts a lockout.
    pub async fn set_password(&self, actor: &Actor, user: UserId, new: &str) -> CoreResult<()> {
        passwords::check_new("new_password", new)?;
        let hash = passwords::hash(new)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut u = tx.user(user).await?.ok_or(CoreError::NotFound("user"))?;
        u.password_hash = hash;
        u.failed_logins = 0;
        u.locked_until = None;
        tx.update_user(&u).await?;
        tx.append_audit(NewAuditEvent::new(actor, "user.password_changed", "user", user, now)).await?;
        tx.commit().await?;
        // Set by someone else (an administrator, after a suspected compromise): every session ends.
        if *actor != Actor::User(user) {
            self.store.delete_user_sessions(user, None).await?;
        }
        Ok(())
    }

    /// Mails a reset link to the address if a user has it. The answer is the same either way, so
    /// the form does not reveal which addresses exist. `link_base` is the public URL of the app.
    pub async fn request_password_reset(&self, email: &str, link_base: &str) -> CoreResult<()> {
        let now = self.clock.now();
        let Some(user) = self.store.user_by_email(&email.trim().to_lowercase()).await?.filter(|u| u.active) else {
            return Ok(());
        };
        let secret = passwords::secret();
        let reset = PasswordReset {
            token_sha256: token_hash(&secret),
            user_id: user.id,
            created_at: now,
            expires_at: now + RESET_VALID,
            used_at: None,
        };
        let link = format!("{}/password/reset/{secret}", link_base.trim_end_matches('/'));
        let (subject, text) = reset_mail(&user, &link);
        let mut tx = self.store.begin().await?;
        tx.insert_password_reset(&reset).await?;
        tx.enqueue_job(&NewJob::of(&SendSystemMail { to: user.email.clone(), subject, text }, now)).await?;
        tx.append_audit(NewAuditEvent::new(&Actor::System, "user.password_reset_requested", "user", user.id, now))
            .await?;
        tx.commit().await
    }

    /// Whether a reset token is valid (for showing the form).
    pub async fn password_reset_valid(&self, secret: &str) -> CoreResult<bool> {
        let now = self.clock.now();
        Ok(self
            .store
            .password_reset(&token_hash(secret))
            .await?
            .is_some_and(|r| r.used_at.is_none() && r.expires_at > now))
    }

    /// Sets a new password with a reset token; the token works once, and every session ends.
    pub async fn reset_password(&self, secret: &str, new: &str) -> CoreResult<User> {
        let now = self.clock.now();
        let sha = token_hash(secret);
        let reset = self
            .store
            .password_reset(&sha)
            .await?
            .filter(|r| r.used_at.is_none() && r.expires_at > now)
            .ok_or_else(|| CoreError::invalid("token", "invalid_token", "this link is invalid or has expired"))?;
        passwords::check_new("new_password", new)?;
        let hash = passwords::hash(new)?;
        let mut tx = self.store.begin().await?;
        let mut u = tx.user(reset.user_id).await?.ok_or(CoreError::NotFound("user"))?;
        u.password_hash = hash;
        u.failed_logins = 0;
        u.locked_until = None;
        // The token is spent inside this transaction: of two uses at once, one wins.
        if !tx.use_password_reset(&sha, now).await? {
            return Err(CoreError::invalid("token", "invalid_token", "this link is invalid or has expired"));
        }
        tx.update_user(&u).await?;
        tx.append_audit(NewAuditEvent::new(&Actor::User(u.id), "user.password_reset", "user", u.id, now)).await?;
        tx.commit().await?;
        self.store.delete_user_sessions(u.id, None).await?;
        Ok(u)
    }
}

fn reset_mail(user: &User, link: &str) -> (String, String) {
    if user.locale == "en" {
        (
            "Resonanz: reset your password".into(),
            format!(
                "Hello {},\n\nsomeone (hopefully you) asked to reset your Resonanz password. Open this link within one hour to choose a new one:\n\n{link}\n\nIf you did not ask for this, ignore this mail; your password stays as it is.\n",
                user.first_name()
            ),
        )
    } else {
        (
            "Resonanz: Passwort zurücksetzen".into(),
            format!(
                "Hallo {},\n\njemand (hoffentlich Sie) hat verlangt, Ihr Resonanz-Passwort zurückzusetzen. Öffnen Sie innerhalb einer Stunde diesen Link, um ein neues zu wählen:\n\n{link}\n\nWenn Sie das nicht waren, ignorieren Sie diese Mail; Ihr Passwort bleibt unverändert.\n",
                user.first_name()
            ),
        )
    }
}
