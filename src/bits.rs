//! Bit sets kept as plain words (`[u64]`, bit `i` in word `i / 64`): the symbols a mapping
//! or a document holds while a tape is built, and which entities a whole-document search
//! answered for. Sized by their owner; an index past the end is a defect, not input.

/// Words that hold `bits` bits.
pub fn words(bits: usize) -> usize {
    bits.div_ceil(64)
}

/// Whether bit `i` is set.
#[inline]
pub fn get(words: &[u64], i: usize) -> bool {
    words[i / 64] >> (i % 64) & 1 == 1
}

/// Sets bit `i`; whether it was set already.
#[inline]
pub fn set(words: &mut [u64], i: usize) -> bool {
    let (word, bit) = (&mut words[i / 64], 1u64 << (i % 64));
    let was = *word & bit != 0;
    *word |= bit;
    was
}

/// The set bits, lowest first.
pub fn ones(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_set_read_and_listed_across_words() {
        let mut w = vec![0; words(130)];
        assert_eq!(w.len(), 3);
        for i in [0, 63, 64, 129] {
            assert!(!get(&w, i));
            assert!(!set(&mut w, i), "{i} was not set");
            assert!(set(&mut w, i), "{i} is set now");
            assert!(get(&w, i));
        }
        assert!(!get(&w, 1) && !get(&w, 65) && !get(&w, 128));
        assert_eq!(ones(&w).collect::<Vec<_>>(), [0, 63, 64, 129]);
        assert_eq!(ones(&[0, 0]).count(), 0);
    }
}
