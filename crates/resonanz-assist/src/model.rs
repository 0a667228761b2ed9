//! The trained model: linear weights over hashed features for every output head, category thresholds,
//! and its JSON form (sparse, quantised weights) with a content-hash version.

use crate::Category;
use crate::features::{Feature, FeatureConfig};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Prefix of every model version: `assist-2026.11-<8 hex of the model hash>`.
pub const VERSION_PREFIX: &str = "assist-2026.11";
const FORMAT: u32 = 1;

/// Output heads in their fixed order: nine categories (sigmoid each), three sentiments (softmax), four
/// urgency levels (softmax), three emotions (sigmoid each).
pub const OUTPUTS: usize = 19;
pub const SENTIMENT0: usize = 9;
pub const URGENCY0: usize = 12;
pub const EMOTION0: usize = 16;

/// Output names as stored in the model file.
pub fn output_names() -> Vec<String> {
    let mut names: Vec<String> = Category::ALL.iter().map(|c| c.as_str().to_string()).collect();
    names.extend(crate::types::SENTIMENTS.iter().map(|s| format!("sentiment:{s}")));
    names.extend(crate::types::URGENCY_LEVELS.iter().map(|s| format!("urgency:{s}")));
    names.extend(crate::types::EMOTIONS.iter().map(|s| format!("emotion:{s}")));
    names
}

/// Multiplicative hasher for feature buckets (they are hashes already; this spreads them over all bits).
#[derive(Default)]
pub struct BucketHasher(u64);

impl Hasher for BucketHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub type BucketMap<V> = HashMap<u32, V, BuildHasherDefault<BucketHasher>>;

/// Facts about how a model was trained, kept in the model file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct TrainingInfo {
    /// Number of training examples (after skipping empty ones) and their summed weight.
    pub examples: usize,
    pub total_weight: f32,
    /// SHA-256 (hex, 16 chars) over the sorted example ids and weights: proves which data was used.
    pub data_hash: String,
    pub epochs: u32,
    pub folds: u32,
    pub seed: u64,
    /// Cross-validated (out-of-fold, train data only) precision/recall/F1 per category at its threshold.
    pub cross_validation: Vec<CvStat>,
}

/// Out-of-fold quality of one category at the chosen threshold.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CvStat {
    pub category: Category,
    pub threshold: f32,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    pub support: usize,
}

/// A trained model. Create it with [`crate::train`] or [`Model::from_json`].
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub(crate) config: FeatureConfig,
    /// Decision threshold on the probability, per category (order of [`Category::ALL`]).
    pub(crate) thresholds: [f32; 9],
    /// Decision threshold per emotion (order of [`crate::types::EMOTIONS`]).
    pub(crate) emotion_thresholds: [f32; 3],
    pub(crate) training: TrainingInfo,
    /// Weights per bucket, one per output.
    pub(crate) weights: BucketMap<[f32; OUTPUTS]>,
    /// Quantisation step per output (weights are stored as `i16 × scale`).
    scales: [f32; OUTPUTS],
    pub(crate) version: String,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: u32,
    version: String,
    config: FeatureConfig,
    outputs: Vec<String>,
    thresholds: Vec<(Category, f32)>,
    emotion_thresholds: Vec<f32>,
    training: TrainingInfo,
    /// Per output: dequantisation scale and base64 of (LEB128 bucket delta, i16 LE weight) pairs.
    scales: Vec<f32>,
    weights: Vec<String>,
}

impl Model {
    /// Assembles a model from trained weights: quantises them exactly as the file stores them, so a model
    /// and its JSON round trip are identical, and computes the version.
    pub(crate) fn assemble(
        config: FeatureConfig,
        thresholds: [f32; 9],
        emotion_thresholds: [f32; 3],
        training: TrainingInfo,
        weights: BucketMap<[f32; OUTPUTS]>,
    ) -> Model {
        let mut scales = [1.0f32; OUTPUTS];
        for (o, scale) in scales.iter_mut().enumerate() {
            let max = weights.values().map(|w| w[o].abs()).fold(0.0f32, f32::max);
            if max > 0.0 {
                *scale = max / 32767.0;
            }
        }
        let mut model =
            Model { config, thresholds, emotion_thresholds, training, weights, scales, version: String::new() };
        let file = model.to_file();
        // Re-read the quantised weights, then hash the canonical file without its version.
        model.weights = decode_weights(&file.scales, &file.weights).unwrap_or_default();
        model.version = version_of(&file);
        model
    }

    /// The model's version, `assist-2026.11-<8 hex>`; it changes whenever any weight or threshold does.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The decision threshold of a category.
    pub fn threshold(&self, category: Category) -> f32 {
        self.thresholds[category.index()]
    }

    /// How the model was trained.
    pub fn training(&self) -> &TrainingInfo {
        &self.training
    }

    /// Number of buckets with stored weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True for a model without weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Raw scores (logits) of all outputs.
    pub(crate) fn logits(&self, features: &[Feature]) -> [f32; OUTPUTS] {
        let mut out = [0.0f32; OUTPUTS];
        for f in features {
            if let Some(w) = self.weights.get(&f.index) {
                for (o, wo) in out.iter_mut().zip(w) {
                    *o += wo * f.value;
                }
            }
        }
        out
    }

    /// The weight of one bucket for one output (0 if absent).
    pub(crate) fn weight(&self, bucket: u32, output: usize) -> f32 {
        self.weights.get(&bucket).map_or(0.0, |w| w[output])
    }

    /// Serialises the model as JSON (sparse, quantised weights).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_file()).unwrap_or_default()
    }

    /// Reads a model written by [`Model::to_json`].
    pub fn from_json(json: &str) -> anyhow::Result<Model> {
        let file: ModelFile = serde_json::from_str(json)?;
        anyhow::ensure!(file.format == FORMAT, "unsupported model format {}", file.format);
        anyhow::ensure!(file.outputs == output_names(), "model outputs do not match this version of the crate");
        let mut thresholds = [0.5f32; 9];
        for (c, t) in &file.thresholds {
            thresholds[c.index()] = *t;
        }
        let mut emotion_thresholds = [0.5f32; 3];
        for (slot, t) in emotion_thresholds.iter_mut().zip(&file.emotion_thresholds) {
            *slot = *t;
        }
        let weights = decode_weights(&file.scales, &file.weights)?;
        let mut scales = [1.0f32; OUTPUTS];
        scales.copy_from_slice(&file.scales);
        let version = version_of(&file);
        anyhow::ensure!(
            version == file.version,
            "model version {} does not match its content ({version})",
            file.version
        );
        Ok(Model {
            config: file.config,
            thresholds,
            emotion_thresholds,
            training: file.training,
            weights,
            scales,
            version,
        })
    }

    fn to_file(&self) -> ModelFile {
        let mut buckets: Vec<u32> = self.weights.keys().copied().collect();
        buckets.sort_unstable();
        let mut scales = Vec::with_capacity(OUTPUTS);
        let mut encoded = Vec::with_capacity(OUTPUTS);
        for (o, &scale) in self.scales.iter().enumerate() {
            let mut bytes = Vec::new();
            let mut last = 0u32;
            for &b in &buckets {
                let q = (self.weights[&b][o] / scale).round().clamp(-32767.0, 32767.0) as i16;
                if q != 0 {
                    leb128(&mut bytes, b - last);
                    bytes.extend_from_slice(&q.to_le_bytes());
                    last = b;
                }
            }
            scales.push(scale);
            encoded.push(B64.encode(&bytes));
        }
        ModelFile {
            format: FORMAT,
            version: self.version.clone(),
            config: self.config.clone(),
            outputs: output_names(),
            thresholds: Category::ALL.iter().map(|c| (*c, self.thresholds[c.index()])).collect(),
            emotion_thresholds: self.emotion_thresholds.to_vec(),
            training: self.training.clone(),
            scales,
            weights: encoded,
        }
    }
}

fn version_of(file: &ModelFile) -> String {
    let canonical = ModelFile {
        format: file.format,
        version: String::new(),
        config: file.config.clone(),
        outputs: file.outputs.clone(),
        thresholds: file.thresholds.clone(),
        emotion_thresholds: file.emotion_thresholds.clone(),
        training: file.training.clone(),
        scales: file.scales.clone(),
        weights: file.weights.clone(),
    };
    let json = serde_json::to_string(&canonical).unwrap_or_default();
    let digest = Sha256::digest(json.as_bytes());
    format!("{VERSION_PREFIX}-{}", &hex::encode(digest)[..8])
}

fn leb128(out: &mut Vec<u8>, mut n: u32) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn decode_weights(scales: &[f32], encoded: &[String]) -> anyhow::Result<BucketMap<[f32; OUTPUTS]>> {
    anyhow::ensure!(scales.len() == OUTPUTS && encoded.len() == OUTPUTS, "model has the wrong number of outputs");
    let mut weights: BucketMap<[f32; OUTPUTS]> = BucketMap::default();
    for (o, (scale, text)) in scales.iter().zip(encoded).enumerate() {
        let bytes = B64.decode(text)?;
        let mut i = 0usize;
        let mut bucket = 0u32;
        while i < bytes.len() {
            let mut delta = 0u32;
            let mut shift = 0u32;
            loop {
                let b = *bytes.get(i).ok_or_else(|| anyhow::anyhow!("truncated model weights"))?;
                i += 1;
                anyhow::ensure!(shift < 32, "corrupt model weights");
                delta |= u32::from(b & 0x7f) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            bucket = bucket.wrapping_add(delta);
            let q = bytes.get(i..i + 2).ok_or_else(|| anyhow::anyhow!("truncated model weights"))?;
            i += 2;
            let value = f32::from(i16::from_le_bytes([q[0], q[1]])) * scale;
            weights.entry(bucket).or_insert([0.0; OUTPUTS])[o] = value;
        }
    }
    Ok(weights)
}
