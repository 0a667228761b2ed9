//! Deterministic training: one-vs-rest logistic regression (categories, emotions) and softmax regression
//! (sentiment, urgency) by averaged SGD over hashed features, starting from lexicon priors. Category
//! thresholds are chosen by k-fold cross-validation on the given (train) examples only.

use crate::Category;
use crate::dataset::Example;
use crate::features::{FeatureConfig, bias_feature, context_feature, extract, fnv1a, lexicon_feature, style_feature};
use crate::lexicon::{Hit, Target, lexicon, rule_assigns};
use crate::model::{BucketMap, CvStat, EMOTION0, Model, OUTPUTS, SENTIMENT0, TrainingInfo, URGENCY0};
use crate::text::compose;
use crate::types::{EMOTIONS, SENTIMENTS, URGENCY_LEVELS};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Training settings. `TrainOptions::default()` produced the shipped model.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub config: FeatureConfig,
    pub epochs: u32,
    pub learning_rate: f32,
    pub seed: u64,
    /// Folds for choosing thresholds (2 or more; fewer examples than folds → default thresholds).
    pub folds: u32,
    /// Safeguarding is recall first: its threshold is the lowest whose cross-validated precision (on
    /// mail with a real category mix, see `Example::enriched`) is at least this with 90 % confidence.
    pub safeguarding_min_precision: f32,
    /// Weights with absolute value below this are dropped from the stored model.
    pub prune: f32,
    /// SGD runs with different shuffles whose weights are averaged (less variance, same model size).
    pub runs: u32,
    /// Shrinkage toward the lexicon priors after every epoch (0 = none): `w -= l2 * (w - prior)`.
    pub l2: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            config: FeatureConfig::default(),
            epochs: 12,
            learning_rate: 0.2,
            seed: 20_261_101,
            folds: 5,
            safeguarding_min_precision: 0.5,
            prune: 0.02,
            l2: 0.02,
            runs: 1,
        }
    }
}

/// One example as compact training data: local feature ids with values, targets and weight.
struct Row {
    features: Vec<(u32, f32)>,
    targets: [f32; OUTPUTS],
    /// Which softmax heads have a label (sentiment, urgency).
    has_sentiment: bool,
    has_urgency: bool,
    weight: f32,
    fold: u32,
    /// Lexicon hits, to apply the lexicon rule when choosing thresholds.
    hits: Vec<Hit>,
    /// Counts when thresholds are chosen (not from an enriched file; see [`Example::enriched`]).
    calibrates: bool,
}

/// Features (bucket, value), lexicon hits and the example they came from.
type Extracted<'a> = (Vec<(u32, f32)>, Vec<Hit>, &'a Example);

/// Trains a model on `examples` (pass the train split, plus any human corrections with a higher
/// `weight`). Deterministic: the same examples in the same order and the same options give the same model.
pub fn train(examples: &[Example], opts: &TrainOptions) -> Model {
    let config = opts.config.clone();
    let folds = opts.folds.max(2);
    let usable: Vec<&Example> = examples.iter().filter(|e| !e.text.trim().is_empty() && e.weight > 0.0).collect();
    let mut vocab: BTreeMap<u32, u32> = BTreeMap::new();
    let extracted: Vec<Extracted> = usable
        .iter()
        .map(|e| {
            let (text, _) = compose(Some(&e.subject), &e.text);
            let ex = extract(&config, &text);
            let mut feats: Vec<(u32, f32)> = ex.features.iter().map(|f| (f.index, f.value)).collect();
            feats.sort_by_key(|f| f.0);
            feats.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    a.1 += b.1;
                }
                same
            });
            for f in &feats {
                vocab.insert(f.0, 0);
            }
            (feats, ex.hits, *e)
        })
        .collect();
    for (i, id) in vocab.values_mut().enumerate() {
        *id = i as u32;
    }
    let buckets: Vec<u32> = vocab.keys().copied().collect();
    let rows: Vec<Row> = extracted
        .into_iter()
        .map(|(feats, hits, e)| row(e, feats.into_iter().map(|(b, v)| (vocab[&b], v)).collect(), hits, folds))
        .collect();
    let priors = priors(&config, &buckets);
    let pos_weight = positive_weights(&rows);

    // Cross-validation on the given examples: out-of-fold probabilities for categories and emotions.
    let mut oof: Vec<[f32; OUTPUTS]> = vec![[0.0; OUTPUTS]; rows.len()];
    let mut cv_used = false;
    if rows.len() >= (folds as usize) * 4 {
        cv_used = true;
        for fold in 0..folds {
            let train_idx: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].fold != fold).collect();
            let w = sgd(&rows, &train_idx, &priors, &pos_weight, opts);
            for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.fold == fold) {
                oof[i] = probabilities(&w, &r.features);
            }
        }
    }
    let mut thresholds = [0.5f32; 9];
    let mut cv = Vec::new();
    let mut emotion_thresholds = [0.5f32; 3];
    if cv_used {
        for c in Category::ALL {
            let (t, stat) = choose_threshold(&rows, &oof, c.index(), c == Category::Safeguarding, opts);
            thresholds[c.index()] = t;
            cv.push(CvStat { category: c, threshold: t, ..stat });
        }
        for (e, slot) in emotion_thresholds.iter_mut().enumerate() {
            *slot = choose_threshold(&rows, &oof, EMOTION0 + e, false, opts).0;
        }
    }

    let all: Vec<usize> = (0..rows.len()).collect();
    let w = sgd(&rows, &all, &priors, &pos_weight, opts);
    let mut weights: BucketMap<[f32; OUTPUTS]> = BucketMap::default();
    for (local, bucket) in buckets.iter().enumerate() {
        let mut row = [0.0f32; OUTPUTS];
        for (r, v) in row.iter_mut().zip(&w[local * OUTPUTS..(local + 1) * OUTPUTS]) {
            *r = if v.abs() >= opts.prune { *v } else { 0.0 };
        }
        if row.iter().any(|v| *v != 0.0) {
            weights.insert(*bucket, row);
        }
    }
    let info = TrainingInfo {
        examples: rows.len(),
        total_weight: rows.iter().map(|r| r.weight).sum(),
        data_hash: data_hash(&usable),
        epochs: opts.epochs,
        folds,
        seed: opts.seed,
        cross_validation: cv,
    };
    Model::assemble(config, thresholds, emotion_thresholds, info, weights)
}

fn row(e: &Example, features: Vec<(u32, f32)>, hits: Vec<Hit>, folds: u32) -> Row {
    let mut targets = [0.0f32; OUTPUTS];
    for c in &e.categories {
        targets[c.index()] = 1.0;
    }
    let sentiment = SENTIMENTS.iter().position(|s| *s == e.sentiment);
    if let Some(s) = sentiment {
        targets[SENTIMENT0 + s] = 1.0;
    }
    let urgency = URGENCY_LEVELS.iter().position(|u| *u == e.urgency);
    if let Some(u) = urgency {
        targets[URGENCY0 + u] = 1.0;
    }
    for (i, name) in EMOTIONS.iter().enumerate() {
        if e.emotions.iter().any(|x| x == name) {
            targets[EMOTION0 + i] = 1.0;
        }
    }
    let fold = (fnv1a(&[e.id.as_bytes()]) % u64::from(folds)) as u32;
    Row {
        features,
        targets,
        has_sentiment: sentiment.is_some(),
        has_urgency: urgency.is_some(),
        weight: e.weight.clamp(0.0, 100.0),
        fold,
        calibrates: !e.enriched,
        hits,
    }
}

/// SHA-256 over sorted ids and weights, first 16 hex characters.
fn data_hash(examples: &[&Example]) -> String {
    let mut ids: Vec<String> = examples.iter().map(|e| format!("{}:{}", e.id, e.weight)).collect();
    ids.sort();
    hex::encode(Sha256::digest(ids.join("\n").as_bytes()))[..16].to_string()
}

/// Up-weighting of positive examples of rare categories and emotions (sqrt of the class ratio, 1..4).
fn positive_weights(rows: &[Row]) -> [f32; OUTPUTS] {
    let mut out = [1.0f32; OUTPUTS];
    let total: f32 = rows.iter().map(|r| r.weight).sum();
    for o in (0..9).chain(EMOTION0..OUTPUTS) {
        let pos: f32 = rows.iter().filter(|r| r.targets[o] > 0.5).map(|r| r.weight).sum();
        if pos > 0.0 {
            out[o] = ((total - pos) / pos).sqrt().clamp(1.0, 4.0);
        }
    }
    out
}

/// Prior weights (local id × outputs) from the lexicon groups and style signals.
fn priors(config: &FeatureConfig, buckets: &[u32]) -> Vec<f32> {
    let mut table: BucketMap<[f32; OUTPUTS]> = BucketMap::default();
    // Entry features (one per lexicon phrase) start at zero: the group carries the prior, and the data
    // can correct single phrases.
    for group in &lexicon().groups {
        let mut p = [0.0f32; OUTPUTS];
        let mut neg = [0.0f32; OUTPUTS];
        match group.target {
            Target::Category { category, negative } => {
                p[category.index()] = if negative { -group.weight } else { group.weight };
            }
            Target::Sentiment => {
                let (pos_out, neg_out) = (SENTIMENT0 + 2, SENTIMENT0);
                let (to, away) = if group.weight > 0.0 { (pos_out, neg_out) } else { (neg_out, pos_out) };
                p[to] = group.weight.abs();
                p[away] = -group.weight.abs() / 2.0;
                // Negated: "nicht gut" leans negative, "nicht schlecht" only a little positive.
                neg[away] = group.weight.abs() / 2.0;
                neg[to] = -group.weight.abs() / 2.0;
            }
            Target::Emotion(e) => p[EMOTION0 + e] = 2.0 * group.weight,
            Target::Urgency => {
                let level = (group.weight.round() as usize).min(3);
                p[URGENCY0 + level] = if level == 3 { 2.5 } else { 1.5 };
                p[URGENCY0 + 1] = -0.5;
            }
        }
        table.insert(lexicon_feature(config, &group.name, false), p);
        table.insert(lexicon_feature(config, &group.name, true), neg);
        if let Target::Category { negative: false, .. } = group.target {
            // The same phrases next to a hard negative ("die Doku über Missbrauch") count much less.
            table.insert(context_feature(config, &group.name), p.map(|v| v * CONTEXT_PRIOR));
        }
    }
    let style: [(&str, usize, f32); 10] = [
        ("laughing emoji", Category::Safeguarding.index(), -1.0),
        ("laughing emoji", Category::Threat.index(), -1.0),
        ("question mark", Category::Question.index(), 1.5),
        ("stated age under 14", Category::Child.index(), 2.5),
        ("no capital letters", Category::Child.index(), 0.8),
        ("web link", Category::Spam.index(), 0.8),
        ("several exclamation marks", EMOTION0, 0.6),
        ("repeated !/?", EMOTION0, 0.8),
        ("words in capitals", EMOTION0, 1.0),
        ("words in capitals", URGENCY0 + 2, 0.5),
    ];
    for (name, output, weight) in style {
        table.entry(style_feature(config, name)).or_insert([0.0; OUTPUTS])[output] += weight;
    }
    let mut bias = [0.0f32; OUTPUTS];
    bias[..9].fill(-1.5);
    bias[SENTIMENT0 + 1] = 0.5;
    bias[URGENCY0 + 1] = 1.0;
    bias[EMOTION0..].fill(-2.0);
    table.insert(bias_feature(config), bias);
    let mut out = vec![0.0f32; buckets.len() * OUTPUTS];
    for (local, bucket) in buckets.iter().enumerate() {
        if let Some(p) = table.get(bucket) {
            out[local * OUTPUTS..(local + 1) * OUTPUTS].copy_from_slice(p);
        }
    }
    out
}

/// Share of a group's prior weight that its phrases keep next to a hard negative.
const CONTEXT_PRIOR: f32 = 0.25;

/// Minimal deterministic PRNG (SplitMix64) for shuffling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp())
}

/// Softmax in place over a slice of logits.
pub(crate) fn softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum.max(f32::MIN_POSITIVE);
    }
}

/// Turns logits into probabilities: sigmoid for categories and emotions, softmax for the two other heads.
pub(crate) fn to_probabilities(mut z: [f32; OUTPUTS]) -> [f32; OUTPUTS] {
    for o in (0..SENTIMENT0).chain(EMOTION0..OUTPUTS) {
        z[o] = sigmoid(z[o]);
    }
    softmax(&mut z[SENTIMENT0..URGENCY0]);
    softmax(&mut z[URGENCY0..EMOTION0]);
    z
}

fn probabilities(w: &[f32], features: &[(u32, f32)]) -> [f32; OUTPUTS] {
    let mut z = [0.0f32; OUTPUTS];
    for &(id, v) in features {
        let row = &w[id as usize * OUTPUTS..(id as usize + 1) * OUTPUTS];
        for (zo, wo) in z.iter_mut().zip(row) {
            *zo += wo * v;
        }
    }
    to_probabilities(z)
}

/// Averaged SGD over the rows `idx`, repeated with `opts.runs` different shuffles; returns the mean
/// weights (local id × outputs). The mean of linear models is one linear model of the same size.
fn sgd(rows: &[Row], idx: &[usize], priors: &[f32], pos_weight: &[f32; OUTPUTS], opts: &TrainOptions) -> Vec<f32> {
    let runs = opts.runs.max(1);
    let mut mean = vec![0.0f32; priors.len()];
    for run in 0..runs {
        let seed = opts.seed.wrapping_add(u64::from(run).wrapping_mul(0x9E37_79B9));
        let w = sgd_run(rows, idx, priors, pos_weight, opts, seed);
        for (m, v) in mean.iter_mut().zip(&w) {
            *m += v / runs as f32;
        }
    }
    mean
}

/// One averaged-SGD run with its own shuffling seed.
fn sgd_run(
    rows: &[Row],
    idx: &[usize],
    priors: &[f32],
    pos_weight: &[f32; OUTPUTS],
    opts: &TrainOptions,
    seed: u64,
) -> Vec<f32> {
    let mut w = priors.to_vec();
    let mut acc = vec![0.0f32; w.len()];
    let mut order = idx.to_vec();
    let mut rng = SplitMix(seed);
    let mut step = 1.0f32;
    for _ in 0..opts.epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let r = &rows[i];
            let p = probabilities(&w, &r.features);
            let mut g = [0.0f32; OUTPUTS];
            for o in 0..OUTPUTS {
                let y = r.targets[o];
                // Examples without a sentiment label (category corrections) say nothing about emotions.
                let head_labelled = match o {
                    SENTIMENT0..URGENCY0 => r.has_sentiment,
                    URGENCY0..EMOTION0 => r.has_urgency,
                    EMOTION0.. => r.has_sentiment,
                    _ => true,
                };
                if head_labelled {
                    let class_weight = if y > 0.5 { pos_weight[o] } else { 1.0 };
                    g[o] = (p[o] - y) * class_weight * r.weight * opts.learning_rate;
                }
            }
            for &(id, v) in &r.features {
                let base = id as usize * OUTPUTS;
                for o in 0..OUTPUTS {
                    let delta = g[o] * v;
                    w[base + o] -= delta;
                    acc[base + o] -= step * delta;
                }
            }
            step += 1.0;
        }
        if opts.l2 > 0.0 {
            for ((wi, ai), pi) in w.iter_mut().zip(acc.iter_mut()).zip(priors) {
                let delta = opts.l2 * (*wi - pi);
                *wi -= delta;
                *ai -= step * delta;
            }
        }
    }
    // Averaged weights: w − acc / step (the mean of w over all steps).
    for (wi, ai) in w.iter_mut().zip(&acc) {
        *wi -= ai / step;
    }
    w
}

/// The lower end of the Wilson score interval of a proportion `p` measured on `n` trials.
fn wilson_lower(p: f32, n: f32, z: f32) -> f32 {
    if n <= 0.0 {
        return 0.0;
    }
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
    (centre - spread) / (1.0 + z2 / n)
}

/// Chooses the threshold of one output from out-of-fold probabilities: the middle of the best-F1
/// plateau, or for safeguarding the lowest threshold whose precision is surely at least
/// `TrainOptions::safeguarding_min_precision` (failing that, best F2).
fn choose_threshold(
    rows: &[Row],
    oof: &[[f32; OUTPUTS]],
    o: usize,
    recall_first: bool,
    opts: &TrainOptions,
) -> (f32, CvStat) {
    // Thresholds are chosen on mail with a real category mix; only if there is none (or too little),
    // on everything.
    let real = rows.iter().filter(|r| r.calibrates && r.targets[o] > 0.5).count() >= 3;
    let counts = |r: &Row| r.calibrates || !real;
    let support = rows.iter().filter(|r| counts(r) && r.targets[o] > 0.5).count();
    let category = Category::ALL.get(o).copied();
    let lex = lexicon();
    // Rows the lexicon rule assigns regardless of the threshold (categories only).
    let ruled: Vec<bool> =
        rows.iter().zip(oof).map(|(r, p)| category.is_some_and(|c| rule_assigns(lex, &r.hits, c, p[o]))).collect();
    let stat_at = |t: f32| {
        let (mut tp, mut fp, mut fn_) = (0.0f32, 0.0f32, 0.0f32);
        for ((r, p), rule) in rows.iter().zip(oof).zip(&ruled).filter(|((r, _), _)| counts(r)) {
            match (p[o] >= t || *rule, r.targets[o] > 0.5) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        (precision, recall, f1)
    };
    // Recall-first (safeguarding) may need very low thresholds; the others start at 0.05.
    let lowest = if recall_first { 1 } else { 5 };
    let grid: Vec<f32> = (lowest..=90).map(|i| i as f32 / 100.0).collect();
    let category = category.unwrap_or(Category::Routine);
    let stat = |t: f32| {
        let (precision, recall, f1) = stat_at(t);
        CvStat { category, threshold: t, precision, recall, f1, support }
    };
    if support < 3 {
        return (0.5, stat(0.5));
    }
    if recall_first {
        // Recall first: the lowest threshold — the most recall — whose precision is at least the
        // floor (0.5 by default) with a margin for how few examples measured it (the lower bound of the
        // Wilson interval at z = 1.28, i.e. 90 % one-sided). The highest threshold that still reaches
        // a recall target sits at the edge where recall falls, and held-out mail finds that edge.
        let lower_bound = |t: f32| {
            let (p, _, _) = stat_at(t);
            let predicted = rows
                .iter()
                .zip(oof)
                .zip(&ruled)
                .filter(|((r, _), _)| counts(r))
                .filter(|((_, q), rule)| q[o] >= t || **rule)
                .count() as f32;
            wilson_lower(p, predicted, 1.28)
        };
        if let Some(&t) = grid.iter().find(|&&t| lower_bound(t) >= opts.safeguarding_min_precision) {
            return (t, stat(t));
        }
    }
    // F1, or for safeguarding F2 (recall counts four times as much as precision).
    let beta2 = if recall_first { 4.0 } else { 1.0 };
    let scores: Vec<f32> = grid
        .iter()
        .map(|&t| {
            let (p, r, _) = stat_at(t);
            if p + r > 0.0 { (1.0 + beta2) * p * r / (beta2 * p + r) } else { 0.0 }
        })
        .collect();
    // Smooth over neighbouring thresholds (±0.05): with few positives the raw curve is jagged.
    let scores: Vec<f32> = (0..scores.len())
        .map(|i| {
            let window = &scores[i.saturating_sub(5)..(i + 6).min(scores.len())];
            window.iter().sum::<f32>() / window.len() as f32
        })
        .collect();
    let best = scores.iter().copied().fold(0.0f32, f32::max);
    let plateau: Vec<f32> = grid.iter().zip(&scores).filter(|(_, s)| **s >= best - 1e-6).map(|(t, _)| *t).collect();
    let t = plateau.get(plateau.len() / 2).copied().unwrap_or(0.5);
    (t, stat(t))
}
