//! Names as numbers: the stable hash of an identifier ([`name_hash`]) that
//! the index keeps for the names each function body mentions, and the maps
//! and sets keyed by it. It knows nothing of the crate.

use std::collections::{HashMap, HashSet};

/// A stable hash of an identifier (the same in every run and thread), for
/// the sets of names function bodies mention. A collision can only make a
/// function look related to one it is not, which costs a walk, never a
/// result.
pub fn name_hash(name: &str) -> u64 {
    // FNV-1a: identifiers are short, and this is hashed for every one a
    // function body mentions (SipHash was a visible part of the first pass).
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Hashes the keys of [`NameMap`]s and [`NameSet`]s, which are
/// [`name_hash`]es already: one multiply spreads them over the table's bits
/// (SipHash on them was a visible part of a big crate's sequential pass).
#[derive(Clone, Copy, Default)]
pub struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        let x = (n ^ (n >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
}

/// A map keyed by [`name_hash`].
pub type NameMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<NameHasher>>;
/// A set of [`name_hash`]es.
pub type NameSet = HashSet<u64, std::hash::BuildHasherDefault<NameHasher>>;

/// [`name_hash`] of an identifier, without allocating its text.
pub(super) fn ident_hash(i: &proc_macro2::Ident) -> u64 {
    ident_hash_seen(i, |_| {})
}

/// [`ident_hash`], showing the identifier's text to `seen` first (no copy
/// of its own).
pub(super) fn ident_hash_seen(i: &proc_macro2::Ident, seen: impl FnOnce(&str)) -> u64 {
    struct W(String);
    impl std::fmt::Write for W {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.push_str(s);
            Ok(())
        }
    }
    thread_local! {
        static BUF: std::cell::RefCell<W> = const { std::cell::RefCell::new(W(String::new())) };
    }
    BUF.with(|b| {
        let mut b = b.borrow_mut();
        b.0.clear();
        let _ = std::fmt::Write::write_fmt(&mut *b, format_args!("{i}"));
        seen(&b.0);
        name_hash(&b.0)
    })
}
