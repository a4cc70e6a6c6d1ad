//! Periodic evaluation: the three-step rating scale and the performance predicate that follows
//! from the results and work-behaviour ratings (PermenPANRB 6/2022).

word_enum! {
    /// The three-step scale used for both results (hasil kerja) and work behaviour (perilaku
    /// kerja).
    Rating {
        /// Di atas ekspektasi.
        AboveExpectation => "above_expectation",
        /// Sesuai ekspektasi.
        AsExpected => "as_expected",
        /// Di bawah ekspektasi.
        BelowExpectation => "below_expectation",
    }
}

word_enum! {
    /// The performance predicate (predikat kinerja pegawai).
    Predicate {
        /// Sangat Baik.
        VeryGood => "very_good",
        /// Baik.
        Good => "good",
        /// Butuh Perbaikan.
        NeedsImprovement => "needs_improvement",
        /// Kurang (or misconduct).
        Poor => "poor",
        /// Sangat Kurang.
        VeryPoor => "very_poor",
    }
}

/// The predicate for a results rating and a behaviour rating: the matrix of PermenPANRB 6/2022.
/// It is computed, never typed in.
pub fn predicate(results: Rating, behaviour: Rating) -> Predicate {
    use Rating::*;
    match (results, behaviour) {
        (BelowExpectation, BelowExpectation) => Predicate::VeryPoor,
        (BelowExpectation, _) => Predicate::NeedsImprovement,
        (_, BelowExpectation) => Predicate::Poor,
        (AboveExpectation, AboveExpectation) => Predicate::VeryGood,
        _ => Predicate::Good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Rating::*;

    /// One row per cell of the matrix in the domain guide (results, behaviour, predicate).
    #[test]
    fn the_nine_cells_of_the_predicate_matrix() {
        let table = [
            (AboveExpectation, BelowExpectation, Predicate::Poor),
            (AboveExpectation, AsExpected, Predicate::Good),
            (AboveExpectation, AboveExpectation, Predicate::VeryGood),
            (AsExpected, BelowExpectation, Predicate::Poor),
            (AsExpected, AsExpected, Predicate::Good),
            (AsExpected, AboveExpectation, Predicate::Good),
            (BelowExpectation, BelowExpectation, Predicate::VeryPoor),
            (BelowExpectation, AsExpected, Predicate::NeedsImprovement),
            (BelowExpectation, AboveExpectation, Predicate::NeedsImprovement),
        ];
        for (results, behaviour, want) in table {
            assert_eq!(predicate(results, behaviour), want, "{results} / {behaviour}");
        }
    }
}
