//! Password hashing (argon2id), checking and generation of one-time passwords. Pure computation.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use rand::Rng;

use crate::error::{CoreError, CoreResult};

/// Shortest accepted password, in characters.
pub const MIN_CHARS: usize = 10;

pub fn hash(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Storage(anyhow::anyhow!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when no user exists, so that unknown addresses take as long as known ones.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("resonanz-dummy-password").unwrap_or_default())
}

/// Checks a new password; the error names the field.
pub fn check_new(field: &str, password: &str) -> CoreResult<()> {
    if password.chars().count() < MIN_CHARS {
        return Err(CoreError::invalid(field, "too_short", format!("at least {MIN_CHARS} characters")));
    }
    if password.chars().count() > 1000 {
        return Err(CoreError::invalid(field, "too_long", "at most 1000 characters"));
    }
    Ok(())
}

/// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A random URL-safe secret (session ids, reset tokens, CSRF tokens): 256 bits.
pub fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_wrong_passwords_do_not() {
        let h = hash("Korrekt-Pferd-Batterie").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Korrekt-Pferd-Batterie", &h));
        assert!(!verify("korrekt-pferd-batterie", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn new_passwords_need_ten_characters() {
        assert!(check_new("password", "kurz").is_err());
        assert!(check_new("password", "lang genug!").is_ok());
        assert_ne!(secret(), secret());
        assert_eq!(secret().len(), 64);
    }
}
