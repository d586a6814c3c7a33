//! MinHash LSH: near-duplicate recall at Jaccard 0.8, estimate accuracy, and equal treatment of Latin, Cyrillic and Arabic text.

use proptest::prelude::*;
use vigil_hash::minhash::{exact_jaccard, LshIndex, MinHasher};

/// Synthetic, non-operational placeholder texts in three scripts.
fn corpus() -> Vec<(&'static str, String)> {
    let latin = "placeholder notice number {} about the weekly community garden meeting near the old library with tea and a short reading";
    let cyr = "объявление номер {} о еженедельной встрече садового кружка возле старой библиотеки с чаем и коротким чтением вслух";
    let arab = "إعلان رقم {} عن الاجتماع الأسبوعي لنادي الحديقة بالقرب من المكتبة القديمة مع الشاي وقراءة قصيرة";
    let mut v = Vec::new();
    for i in 0..40 {
        for (script, t) in [("latin", latin), ("cyrillic", cyr), ("arabic", arab)] {
            // Each document differs from its siblings by a distinct code word and number.
            v.push((
                script,
                t.replace(
                    "{}",
                    &format!(
                        "{}-{}",
                        i * 7919 % 1000,
                        ["alpha", "beta", "gamma", "delta"][i % 4]
                    ),
                ),
            ));
        }
    }
    v
}

fn mutate(s: &str, every: usize) -> String {
    // Replace every n-th letter with a neighbouring letter of the same script.
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % every == 0 && c.is_alphabetic() {
                char::from_u32(c as u32 + 1).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn light_mutations_are_found_in_every_script() {
    let mh = MinHasher::default();
    let docs = corpus();
    let mut lsh = LshIndex::new(&mh, 0.8);
    for (i, (_, t)) in docs.iter().enumerate() {
        lsh.insert(i as u64, &mh.signature(t));
    }
    for (i, (script, t)) in docs.iter().enumerate() {
        let m = mutate(t, 97);
        let j = exact_jaccard(&mh, t, &m);
        let hits = lsh.query(&mh.signature(&m));
        if j >= 0.8 {
            assert!(
                hits.iter().any(|c| c.id == i as u64),
                "{script} doc {i} (J={j:.2}) not found"
            );
        }
        // Harmless case and spacing changes are folded away entirely.
        let shouty = t.to_uppercase().replace(' ', "   ");
        let top = lsh.query(&mh.signature(&shouty));
        assert_eq!(
            top.first().map(|c| (c.id, c.estimated_jaccard)),
            Some((i as u64, 1.0)),
            "{script}"
        );
    }
}

const VOCAB: [&str; 3] = [
    "garden library tea reading meeting weekly community river bridge market bread music school teacher winter summer bicycle window kitchen orange letter station morning evening friend family holiday museum theatre football",
    "сад библиотека чай чтение встреча неделя община река мост рынок хлеб музыка школа учитель зима лето велосипед окно кухня апельсин письмо вокзал утро вечер друг семья праздник музей театр футбол",
    "حديقة مكتبة شاي قراءة اجتماع أسبوع مجتمع نهر جسر سوق خبز موسيقى مدرسة معلم شتاء صيف دراجة نافذة مطبخ برتقال رسالة محطة صباح مساء صديق عائلة عطلة متحف مسرح كرة",
];

/// The same random word sequences rendered in three scripts, so structure is identical.
fn parallel_corpus(n: usize) -> [Vec<String>; 3] {
    let vocab: Vec<Vec<&str>> = VOCAB.iter().map(|v| v.split(' ').collect()).collect();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut out: [Vec<String>; 3] = Default::default();
    for _ in 0..n {
        let idx: Vec<usize> = (0..18)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 30) as usize
            })
            .collect();
        for s in 0..3 {
            out[s].push(
                idx.iter()
                    .map(|&i| vocab[s][i])
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    out
}

#[test]
fn scripts_are_treated_alike() {
    let mh = MinHasher::default();
    let corpus = parallel_corpus(200);
    let mut stats = Vec::new();
    for docs in corpus.iter() {
        let mut lsh = LshIndex::new(&mh, 0.8);
        for (i, t) in docs.iter().enumerate() {
            lsh.insert(i as u64, &mh.signature(t));
        }
        let (mut fp, mut positives, mut found) = (0, 0, 0);
        for (i, t) in docs.iter().enumerate() {
            // False positives: other documents reported although exact Jaccard < 0.8.
            fp += lsh
                .query(&mh.signature(t))
                .iter()
                .filter(|c| c.id != i as u64 && exact_jaccard(&mh, t, &docs[c.id as usize]) < 0.8)
                .count();
            // Recall on a light mutation (one word swapped).
            let mut words: Vec<&str> = t.split(' ').collect();
            words[i % 18] = words[(i + 5) % 18];
            let m = words.join(" ");
            if exact_jaccard(&mh, t, &m) >= 0.8 {
                positives += 1;
                found += usize::from(
                    lsh.query(&mh.signature(&m))
                        .iter()
                        .any(|c| c.id == i as u64),
                );
            }
        }
        stats.push((fp, positives, found));
    }
    eprintln!("per script (false positives, positives, found): {stats:?}");
    for (fp, positives, found) in &stats {
        assert_eq!(*fp, 0, "{stats:?}");
        assert!(*positives > 0);
        let recall = *found as f64 / *positives as f64;
        let latin = stats[0].2 as f64 / stats[0].1.max(1) as f64;
        assert!(recall >= latin - 0.1, "{stats:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn estimate_tracks_exact_jaccard(a in "[a-fА-Еا-ي ]{20,200}", b in "[a-fА-Еا-ي ]{20,200}") {
        let mh = MinHasher::default();
        let (sa, sb) = (mh.signature(&a), mh.signature(&b));
        let exact = exact_jaccard(&mh, &a, &b);
        prop_assert!((sa.jaccard(&sb) - exact).abs() <= 0.2, "est {} exact {}", sa.jaccard(&sb), exact);
    }

    #[test]
    fn signature_is_total(s in "\\PC{0,300}") {
        let mh = MinHasher::default();
        let sig = mh.signature(&s);
        prop_assert_eq!(sig.0.len(), mh.permutations());
    }
}
