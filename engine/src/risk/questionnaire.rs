//! Risk tolerance: the 13-item scale of Grable & Lytton (1999), "Financial risk tolerance
//! revisited: the development of a risk assessment instrument", *Financial Services Review*
//! 8, 163–181, with the points its public versions score each answer with (the Rutgers NJAES
//! "Investment Risk Tolerance Quiz", <https://njaes.rutgers.edu/money/riskquiz/>) and their
//! bands of the total (13 to 47).
//!
//! The items are data: a client renders them from [`ITEMS`] (the API serves them), answers
//! each with the 1-based position of the chosen option, and [`score`] adds the options'
//! points. The points are the published ones, which are not always the option's position
//! (items 9 and 10 score their second option 3), so a client must never add positions.

use std::collections::BTreeMap;

/// One answer option: its text and the points it scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The option as put to the respondent.
    pub text: &'static str,
    /// Its points in the published scoring.
    pub points: u8,
}

/// One item of the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stable id (`q1` … `q13`), the key answers are given under.
    pub id: &'static str,
    /// The question.
    pub question: &'static str,
    /// The options, answered by 1-based position.
    pub options: &'static [Choice],
}

const fn c(text: &'static str, points: u8) -> Choice {
    Choice { text, points }
}

/// The instrument's name, stored with answers so that another version could be told apart.
pub const INSTRUMENT: &str = "grable_lytton_13";

/// The citation shown with the questionnaire.
pub const CITATION: &str = "Grable, J. E., & Lytton, R. H. (1999). Financial risk tolerance revisited: the development of a risk assessment instrument. Financial Services Review, 8, 163-181.";

/// The 13 items, in the published order, with the published points.
pub static ITEMS: [Item; 13] = [
    Item {
        id: "q1",
        question: "In general, how would your best friend describe you as a risk taker?",
        options: &[
            c("A real gambler", 4),
            c(
                "Willing to take risks after completing adequate research",
                3,
            ),
            c("Cautious", 2),
            c("A real risk avoider", 1),
        ],
    },
    Item {
        id: "q2",
        question: "You are on a TV game show and can choose one of the following. Which would you take?",
        options: &[
            c("$1,000 in cash", 1),
            c("A 50% chance at winning $5,000", 2),
            c("A 25% chance at winning $10,000", 3),
            c("A 5% chance at winning $100,000", 4),
        ],
    },
    Item {
        id: "q3",
        question: "You have just finished saving for a \"once-in-a-lifetime\" vacation. Three weeks before you plan to leave, you lose your job. You would:",
        options: &[
            c("Cancel the vacation", 1),
            c("Take a much more modest vacation", 2),
            c(
                "Go as scheduled, reasoning that you need the time to prepare for a job search",
                3,
            ),
            c(
                "Extend your vacation, because this might be your last chance to go first-class",
                4,
            ),
        ],
    },
    Item {
        id: "q4",
        question: "If you unexpectedly received $20,000 to invest, what would you do?",
        options: &[
            c(
                "Deposit it in a bank account, money market account, or an insured CD",
                1,
            ),
            c(
                "Invest it in safe high quality bonds or bond mutual funds",
                2,
            ),
            c("Invest it in stocks or stock mutual funds", 3),
        ],
    },
    Item {
        id: "q5",
        question: "In terms of experience, how comfortable are you investing in stocks or stock mutual funds?",
        options: &[
            c("Not at all comfortable", 1),
            c("Somewhat comfortable", 2),
            c("Very comfortable", 3),
        ],
    },
    Item {
        id: "q6",
        question: "When you think of the word \"risk\", which of the following words comes to mind first?",
        options: &[
            c("Loss", 1),
            c("Uncertainty", 2),
            c("Opportunity", 3),
            c("Thrill", 4),
        ],
    },
    Item {
        id: "q7",
        question: "Some experts are predicting prices of assets such as gold, jewels, collectibles, and real estate (hard assets) to increase in value; bond prices may fall, however, experts tend to agree that government bonds are relatively safe. Most of your investment assets are now in high interest government bonds. What would you do?",
        options: &[
            c("Hold the bonds", 1),
            c(
                "Sell the bonds, put half the proceeds into money market accounts, and the other half into hard assets",
                2,
            ),
            c(
                "Sell the bonds and put the total proceeds into hard assets",
                3,
            ),
            c(
                "Sell the bonds, put all the money into hard assets, and borrow additional money to buy more",
                4,
            ),
        ],
    },
    Item {
        id: "q8",
        question: "Given the best and worst case returns of the four investment choices below, which would you prefer?",
        options: &[
            c("$200 gain best case; $0 gain/loss worst case", 1),
            c("$800 gain best case; $200 loss worst case", 2),
            c("$2,600 gain best case; $800 loss worst case", 3),
            c("$4,800 gain best case; $2,400 loss worst case", 4),
        ],
    },
    Item {
        id: "q9",
        question: "In addition to whatever you own, you have been given $1,000. You are now asked to choose between:",
        options: &[
            c("A sure gain of $500", 1),
            c(
                "A 50% chance to gain $1,000 and a 50% chance to gain nothing",
                3,
            ),
        ],
    },
    Item {
        id: "q10",
        question: "In addition to whatever you own, you have been given $2,000. You are now asked to choose between:",
        options: &[
            c("A sure loss of $500", 1),
            c(
                "A 50% chance to lose $1,000 and a 50% chance to lose nothing",
                3,
            ),
        ],
    },
    Item {
        id: "q11",
        question: "Suppose a relative left you an inheritance of $100,000, stipulating in the will that you invest ALL the money in ONE of the following choices. Which one would you select?",
        options: &[
            c("A savings account or money market mutual fund", 1),
            c("A mutual fund that owns stocks and bonds", 2),
            c("A portfolio of 15 common stocks", 3),
            c("Commodities like gold, silver, and oil", 4),
        ],
    },
    Item {
        id: "q12",
        question: "If you had to invest $20,000, which of the following investment choices would you find most appealing?",
        options: &[
            c(
                "60% in low-risk investments, 30% in medium-risk investments, 10% in high-risk investments",
                1,
            ),
            c(
                "30% in low-risk investments, 40% in medium-risk investments, 30% in high-risk investments",
                2,
            ),
            c(
                "10% in low-risk investments, 40% in medium-risk investments, 50% in high-risk investments",
                3,
            ),
        ],
    },
    Item {
        id: "q13",
        question: "Your trusted friend and neighbor, an experienced geologist, is putting together a group of investors to fund an exploratory gold mining venture. The venture could pay back 50 to 100 times the investment if successful. If the mine is a bust, the entire investment is worthless. Your friend estimates the chance of success is only 20%. If you had the money, how much would you invest?",
        options: &[
            c("Nothing", 1),
            c("One month's salary", 2),
            c("Three months' salary", 3),
            c("Six months' salary", 4),
        ],
    },
];

/// The bands of the total used by the scale's public versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// 13 to 18.
    Low,
    /// 19 to 22.
    BelowAverage,
    /// 23 to 28.
    Average,
    /// 29 to 32.
    AboveAverage,
    /// 33 to 47.
    High,
}

impl Band {
    /// Every band, lowest first.
    pub const ALL: [Self; 5] = [
        Self::Low,
        Self::BelowAverage,
        Self::Average,
        Self::AboveAverage,
        Self::High,
    ];

    /// The scores it covers, inclusive.
    #[must_use]
    pub fn scores(self) -> (u8, u8) {
        match self {
            Self::Low => (MIN_SCORE, 18),
            Self::BelowAverage => (19, 22),
            Self::Average => (23, 28),
            Self::AboveAverage => (29, 32),
            Self::High => (33, MAX_SCORE),
        }
    }

    /// The band of a total from [`MIN_SCORE`] to [`MAX_SCORE`] (a total outside counts in
    /// the nearest band).
    #[must_use]
    pub fn of(score: u8) -> Self {
        Self::ALL
            .into_iter()
            .find(|b| score <= b.scores().1)
            .unwrap_or(Self::High)
    }

    /// The equity share (0 to 1) a respondent in this band is comfortable holding, as an
    /// inclusive range. This is our convention, not the scale's (which measures willingness,
    /// not an allocation): the five bands take the five steps of the usual model portfolios
    /// from conservative to aggressive, a fifth of the range each, so that a higher score
    /// never allows less equity.
    #[must_use]
    pub fn equity_range(self) -> (f64, f64) {
        match self {
            Self::Low => (0.0, 0.2),
            Self::BelowAverage => (0.2, 0.4),
            Self::Average => (0.4, 0.6),
            Self::AboveAverage => (0.6, 0.8),
            Self::High => (0.8, 1.0),
        }
    }

    /// Its name on the wire and in words (`below_average`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::BelowAverage => "below_average",
            Self::Average => "average",
            Self::AboveAverage => "above_average",
            Self::High => "high",
        }
    }
}

/// The lowest total: every item's least points.
pub const MIN_SCORE: u8 = 13;
/// The highest total: every item's most points.
pub const MAX_SCORE: u8 = 47;

/// A scored set of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// The total, [`MIN_SCORE`] to [`MAX_SCORE`].
    pub total: u8,
    /// Its band.
    pub band: Band,
}

/// Why answers cannot be scored; each names the item (as `answers.<id>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// An item was not answered.
    #[error("answers.{0}: missing: every item must be answered")]
    Missing(&'static str),
    /// An answer that is not one of the item's options.
    #[error("answers.{item}: {answer} is not an option: answer with 1 to {options}")]
    OutOfRange {
        /// The item.
        item: &'static str,
        /// The answer given.
        answer: i64,
        /// How many options it has.
        options: usize,
    },
    /// An answer to an item the scale does not have.
    #[error("answers.{0}: no such item: the items are q1 to q13")]
    Unknown(String),
}

impl AnswerError {
    /// The field it names.
    #[must_use]
    pub fn field(&self) -> String {
        match self {
            Self::Missing(item) | Self::OutOfRange { item, .. } => format!("answers.{item}"),
            Self::Unknown(item) => format!("answers.{item}"),
        }
    }
}

/// The points of `answers` (item id → 1-based option), every item answered once.
///
/// # Errors
/// The first unknown item (in key order), then the first item (in the scale's order) that is
/// missing or answered out of range.
pub fn score(answers: &BTreeMap<String, i64>) -> Result<Score, AnswerError> {
    if let Some(unknown) = answers.keys().find(|k| !ITEMS.iter().any(|i| i.id == *k)) {
        return Err(AnswerError::Unknown(unknown.clone()));
    }
    let mut total: u8 = 0;
    for item in &ITEMS {
        let answer = *answers.get(item.id).ok_or(AnswerError::Missing(item.id))?;
        let chosen = usize::try_from(answer)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| item.options.get(i))
            .ok_or(AnswerError::OutOfRange {
                item: item.id,
                answer,
                options: item.options.len(),
            })?;
        total += chosen.points;
    }
    Ok(Score {
        total,
        band: Band::of(total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers choosing option `pick(item)` everywhere.
    fn answering(pick: impl Fn(&Item) -> i64) -> BTreeMap<String, i64> {
        ITEMS.iter().map(|i| (i.id.to_owned(), pick(i))).collect()
    }

    /// The option of `item` scoring `points`, if any.
    fn option_scoring(item: &Item, points: u8) -> Option<i64> {
        let i = item.options.iter().position(|o| o.points == points)?;
        i64::try_from(i + 1).ok()
    }

    #[test]
    fn the_scale_spans_13_to_47() {
        let least = answering(|i| option_scoring(i, 1).expect("every item scores 1"));
        assert_eq!(score(&least).expect("valid").total, MIN_SCORE);
        let most = answering(|i| {
            let top = i.options.iter().map(|o| o.points).max().expect("options");
            option_scoring(i, top).expect("top")
        });
        assert_eq!(score(&most).expect("valid").total, MAX_SCORE);
        // Published points per item: eight items up to 4, five up to 3 (8·4 + 5·3 = 47).
        let fours = ITEMS
            .iter()
            .filter(|i| i.options.iter().any(|o| o.points == 4))
            .count();
        assert_eq!(fours, 8);
    }

    #[test]
    fn items_9_and_10_score_their_gamble_3() {
        // The first option everywhere: item 1's is "a real gambler" (4), the others' 1.
        let mut answers = answering(|_| 1);
        assert_eq!(score(&answers).expect("valid").total, 16);
        answers.insert("q9".into(), 2);
        assert_eq!(score(&answers).expect("valid").total, 18);
        answers.insert("q10".into(), 2);
        assert_eq!(score(&answers).expect("valid").total, 20);
    }

    #[test]
    fn bands_change_at_their_published_edges() {
        for (total, band) in [
            (13, Band::Low),
            (18, Band::Low),
            (19, Band::BelowAverage),
            (22, Band::BelowAverage),
            (23, Band::Average),
            (28, Band::Average),
            (29, Band::AboveAverage),
            (32, Band::AboveAverage),
            (33, Band::High),
            (47, Band::High),
        ] {
            assert_eq!(Band::of(total), band, "{total}");
        }
        // Every total has exactly one band and the bands tile 13..=47.
        let mut next = MIN_SCORE;
        for band in Band::ALL {
            let (low, high) = band.scores();
            assert_eq!(low, next);
            next = high + 1;
        }
        assert_eq!(next, MAX_SCORE + 1);
    }

    #[test]
    fn a_band_edge_is_reached_by_real_answers() {
        // The first option everywhere is 16 (item 1's "a real gambler" scores 4); item 2's
        // fourth option (4 points, +3) makes 19, the first below-average total.
        let mut answers = answering(|_| 1);
        answers.insert("q2".into(), 4);
        let s = score(&answers).expect("valid");
        assert_eq!((s.total, s.band), (19, Band::BelowAverage));
        answers.insert("q2".into(), 3); // 3 points: 18
        let s = score(&answers).expect("valid");
        assert_eq!((s.total, s.band), (18, Band::Low));
    }

    #[test]
    fn errors_name_the_item() {
        let mut missing = answering(|_| 1);
        missing.remove("q7");
        assert_eq!(
            score(&missing).expect_err("missing"),
            AnswerError::Missing("q7")
        );
        for bad in [0, 4, -1] {
            let mut out = answering(|_| 1);
            out.insert("q4".into(), bad);
            let err = score(&out).expect_err("out of range");
            assert_eq!(err.field(), "answers.q4", "{bad}");
            assert!(err.to_string().contains("1 to 3"), "{err}");
        }
        let mut unknown = answering(|_| 1);
        unknown.insert("q14".into(), 1);
        assert_eq!(score(&unknown).expect_err("unknown").field(), "answers.q14");
    }

    #[test]
    fn higher_bands_allow_more_equity() {
        for pair in Band::ALL.windows(2) {
            let (a, b) = (pair[0].equity_range(), pair[1].equity_range());
            assert!(b.0 >= a.0 && b.1 > a.1);
        }
    }
}
