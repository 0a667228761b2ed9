//! BM25 search over the organisation's own resolved cases (tantivy, in RAM).
//!
//! Each case is indexed by the analysed words (see [`crate::analysis`]) of its subject and the
//! contact's message; its answer and a few labels are stored alongside. A search takes the ~40 most
//! informative words of the query (highest IDF), retrieves candidates by BM25 and re-ranks them by a
//! bounded similarity: the cosine of the IDF-weighted word sets of query and case (0..1), times 0.8
//! when the case is in another language than the one preferred. That similarity is [`SimilarCase::score`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analysis::{QueryTerms, distinct_stems};

/// Most informative query words used for a search.
pub const MAX_QUERY_TERMS: usize = 40;
/// Distinct words kept per case for the similarity.
const MAX_CASE_TERMS: usize = 200;
/// Characters of a message indexed (long mails are indexed by their beginning).
const MAX_INDEXED_CHARS: usize = 8_000;
/// Factor on the similarity of a case in another language than the preferred one.
pub const OTHER_LANGUAGE_FACTOR: f32 = 0.8;
const WRITER_MEMORY: usize = 20_000_000;

/// A resolved case as the index takes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResolvedCase {
    pub case_id: String,
    pub reference: String,
    pub subject: String,
    /// The contact's inbound text.
    pub question: String,
    /// The agent's reply that resolved it.
    pub answer: String,
    pub language: String,
    pub contact_name: String,
    pub categories: Vec<String>,
    pub resolved_at: i64,
}

/// A hit: a past case and its answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimilarCase {
    pub case_id: String,
    pub reference: String,
    /// Similarity 0..1 (IDF-weighted cosine, language factor applied); the ranking key.
    pub score: f32,
    /// The raw BM25 score the case was retrieved with.
    pub bm25: f32,
    pub answer: String,
    pub subject: String,
    pub categories: Vec<String>,
    pub language: String,
    /// The other person's name, so that drafts can remove it from the answer.
    pub contact_name: String,
    /// Query words (as written in the query) found in the case, most informative first.
    pub shared_terms: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("case index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

#[derive(Clone, Copy)]
struct Fields {
    case_id: Field,
    language: Field,
    text: Field,
    terms: Field,
    reference: Field,
    subject: Field,
    answer: Field,
    contact_name: Field,
    categories: Field,
    resolved_at: Field,
}

/// The searchable set of resolved cases. Cheap to share (`Arc`); every method takes `&self`.
pub struct CaseIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

impl CaseIndex {
    /// An empty index in RAM.
    pub fn new() -> Result<Self, IndexError> {
        let mut sb = Schema::builder();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer("whitespace").set_index_option(IndexRecordOption::WithFreqs),
        );
        let f = Fields {
            case_id: sb.add_text_field("case_id", STRING | STORED),
            language: sb.add_text_field("language", STRING | STORED),
            text: sb.add_text_field("text", words),
            terms: sb.add_text_field("terms", STORED),
            reference: sb.add_text_field("reference", STORED),
            subject: sb.add_text_field("subject", STORED),
            answer: sb.add_text_field("answer", STORED),
            contact_name: sb.add_text_field("contact_name", STORED),
            categories: sb.add_text_field("categories", STORED),
            resolved_at: sb.add_i64_field("resolved_at", STORED | INDEXED),
        };
        let index = Index::create_in_ram(sb.build());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { reader, writer: Mutex::new(writer), f })
    }

    /// Adds the cases, replacing any indexed case with the same `case_id` (the last one in `cases`
    /// wins). Visible to the next search when this returns.
    pub fn upsert(&self, cases: &[ResolvedCase]) -> Result<(), IndexError> {
        if cases.is_empty() {
            return Ok(());
        }
        let docs: Vec<TantivyDocument> = cases.iter().map(|c| self.document(c)).collect();
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for (c, doc) in cases.iter().zip(docs) {
            writer.delete_term(Term::from_field_text(self.f.case_id, &c.case_id));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Removes a case (e.g. reopened or erased). Unknown ids are fine.
    pub fn remove(&self, case_id: &str) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.delete_term(Term::from_field_text(self.f.case_id, case_id));
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of indexed cases.
    pub fn len(&self) -> usize {
        self.reader.searcher().num_docs() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the index occupies (postings, term dictionary, stored answers).
    pub fn size_bytes(&self) -> u64 {
        self.reader.searcher().space_usage().map(|u| u.total().get_bytes()).unwrap_or(0)
    }

    /// The `k` most similar cases to `text`, best first; cases in `language` are preferred. Never fails:
    /// an index error is logged and yields no hits.
    pub fn search(&self, text: &str, language: Option<&str>, k: usize, exclude_case: Option<&str>) -> Vec<SimilarCase> {
        self.search_terms(&QueryTerms::new(text), language, k, exclude_case)
    }

    /// [`search`](Self::search) for already analysed words.
    pub fn search_terms(
        &self,
        query: &QueryTerms,
        language: Option<&str>,
        k: usize,
        exclude_case: Option<&str>,
    ) -> Vec<SimilarCase> {
        match self.try_search(query, language, k, exclude_case) {
            Ok(hits) => hits,
            Err(e) => {
                tracing::warn!(error = %e, "similar-case search failed");
                Vec::new()
            }
        }
    }

    fn try_search(
        &self,
        query: &QueryTerms,
        language: Option<&str>,
        k: usize,
        exclude_case: Option<&str>,
    ) -> Result<Vec<SimilarCase>, IndexError> {
        if k == 0 || query.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let n = searcher.num_docs();
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut idf = Idf { searcher: &searcher, field: self.f.text, n, cache: HashMap::new() };
        // The most informative words the index knows, rarest first (ties by stem for determinism).
        let mut picked: Vec<(String, f32)> = Vec::new();
        for (stem, _) in &query.terms {
            if let Some(w) = idf.get(stem)? {
                picked.push((stem.clone(), w));
            }
        }
        picked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        picked.truncate(MAX_QUERY_TERMS);
        if picked.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = picked
            .iter()
            .map(|(stem, _)| {
                let t = Term::from_field_text(self.f.text, stem);
                (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>)
            })
            .collect();
        if let Some(ex) = exclude_case {
            let t = Term::from_field_text(self.f.case_id, ex);
            clauses.push((Occur::MustNot, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
        }
        let limit = (k * 4).max(20);
        let top = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score())?;
        let q_norm = picked.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        let weights: HashMap<&str, f32> = picked.iter().map(|(s, w)| (s.as_str(), *w)).collect();
        let surfaces = query.surfaces();
        let mut hits = Vec::with_capacity(top.len());
        for (bm25, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let case_terms = get(self.f.terms);
            let mut dot = 0.0f32;
            let mut d_norm = 0.0f32;
            let mut shared: Vec<(&str, f32)> = Vec::new();
            for t in case_terms.split(' ').filter(|t| !t.is_empty()) {
                let w = idf.get(t)?.unwrap_or(0.0);
                d_norm += w * w;
                if let Some((stem, qw)) = weights.get_key_value(t) {
                    dot += qw * w;
                    shared.push((stem, *qw));
                }
            }
            let cosine = if d_norm > 0.0 { (dot / (q_norm * d_norm.sqrt())).clamp(0.0, 1.0) } else { 0.0 };
            let lang = get(self.f.language);
            let factor = match language {
                Some(l) if l != lang => OTHER_LANGUAGE_FACTOR,
                _ => 1.0,
            };
            shared.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            hits.push(SimilarCase {
                case_id: get(self.f.case_id),
                reference: get(self.f.reference),
                score: cosine * factor,
                bm25,
                answer: get(self.f.answer),
                subject: get(self.f.subject),
                categories: get(self.f.categories).split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
                language: lang,
                contact_name: get(self.f.contact_name),
                shared_terms: shared.iter().map(|(s, _)| surfaces.get(s).copied().unwrap_or(s).to_string()).collect(),
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.case_id.cmp(&b.case_id)));
        hits.truncate(k);
        Ok(hits)
    }

    fn document(&self, c: &ResolvedCase) -> TantivyDocument {
        let question: String = c.question.chars().take(MAX_INDEXED_CHARS).collect();
        let text = format!("{}\n{}", c.subject, question);
        // The contact's name says nothing about the concern.
        let name: HashSet<String> = resonanz_core::search::terms(&c.contact_name).into_iter().collect();
        let mut analysed = crate::analysis::content_stems(&text);
        analysed.retain(|t| !name.contains(t));
        let mut distinct = distinct_stems(&text);
        distinct.retain(|t| !name.contains(t));
        distinct.truncate(MAX_CASE_TERMS);
        let mut d = TantivyDocument::default();
        d.add_text(self.f.case_id, &c.case_id);
        d.add_text(self.f.language, &c.language);
        d.add_text(self.f.text, analysed.join(" "));
        d.add_text(self.f.terms, distinct.join(" "));
        d.add_text(self.f.reference, &c.reference);
        d.add_text(self.f.subject, &c.subject);
        d.add_text(self.f.answer, &c.answer);
        d.add_text(self.f.contact_name, &c.contact_name);
        d.add_text(self.f.categories, c.categories.join(","));
        d.add_i64(self.f.resolved_at, c.resolved_at);
        d
    }
}

/// BM25 inverse document frequency over the searcher's cases, cached per search. Words no case
/// contains have none: they cannot match and would only dilute the similarity (typos, names).
struct Idf<'a> {
    searcher: &'a Searcher,
    field: Field,
    n: u64,
    cache: HashMap<String, Option<f32>>,
}

impl Idf<'_> {
    fn get(&mut self, stem: &str) -> Result<Option<f32>, IndexError> {
        if let Some(w) = self.cache.get(stem) {
            return Ok(*w);
        }
        let df = self.searcher.doc_freq(&Term::from_field_text(self.field, stem))?;
        let w = (df > 0).then(|| {
            let (n, df) = (self.n.max(df) as f32, df as f32);
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        });
        self.cache.insert(stem.to_string(), w);
        Ok(w)
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
