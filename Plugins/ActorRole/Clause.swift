import RhetorKit

/// A shallow reading of the clause around each actor mention: which slot the mention fills
/// (subject of a predicate, object of a verb, object of a preposition, possessor or modifier
/// of a noun) and the word that governs it. No tagger: English function words are a closed
/// class (`Grammar`), the role lexicon names the action verbs, and the rest is read from word
/// shape (-ed, -s) and position. Built once per passage; looks tokens up by id, no Strings.
struct ClauseReading {
    /// Coarse classes of the passage's tokens.
    enum WordClass: UInt8 { case other, det, prep, conj, rel, be, aux, adv, verb, groupNoun, punct }

    /// Lexicon categories the reading cares about, per token (the hit covering it).
    enum Cue: UInt8 {
        case none, agentVerb, patientVerb, passiveBy, sponsorSuffix, sponsorPrep, mediator, locationPrep, targetPrep, reciprocal

        static let categories = ["word", "agent-verb", "patient-verb", "passive-by", "sponsor-suffix", "sponsor-prep", "mediator",
                                 "location-prep", "target-prep", "reciprocal"]
        /// The lexicon category ("word" for none).
        var name: String { Cue.categories[Int(rawValue)] }
        /// A cue that signals an event of the guide (an act, a sponsorship, a mediation).
        var isEvent: Bool { self != .none && self != .locationPrep }
    }

    /// What the reading found for one mention. Token indices; -1 = none.
    struct Slot {
        /// The predicate after the mention's noun phrase when the mention is (part of) its subject.
        var predicate = -1
        /// The predicate is passive (a form of "be" before a participle) or a copula.
        var passive = false, copula = false
        /// The verb (or unknown word) right before the noun phrase: the mention is its object.
        var governor = -1
        /// The preposition before the noun phrase, and the word it hangs from ("attack on").
        var preposition = -1, prepositionHead = -1
        /// The noun the mention possesses ("Tehran's proxies") or modifies ("US bases").
        var possessed = -1, modified = -1
        /// Nothing but punctuation, a conjunction or the sentence start before the noun phrase.
        var clauseStart = false
        /// Joined to a neighbouring mention by "and"/"or" (the slots above come from the pair).
        var coordinated = false
    }

    let classes: [WordClass]
    let cues: [Cue]
    /// Index into `hits` of the lexicon hit covering each token, or -1.
    let hitAt: [Int]
    let hits: [Lexicon.Hit]
    /// Mention index covering each token, or -1.
    let mentionAt: [Int]
    /// Lexicon cues of an event (act, sponsorship, mediation) in the passage.
    let eventCount: Int
    /// The author speaks in the first person (we, our, I, my) outside quotations.
    let firstPerson: Bool

    /// `entryCues`: each lexicon entry's cue (`ClauseReading.cues(lexicon)`, computed once per model).
    init(_ p: Passage, hits: [Lexicon.Hit], entryCues: [Cue], mentions: [Gazetteer.Mention]) {
        var classes = [WordClass](repeating: .other, count: p.tokens.count)
        // The tables once, not their lazy globals checked at every token.
        let words = Grammar.words, table = Grammar.table
        for i in p.tokens.indices {
            let t = p.tokens[i]
            if t.kind == .punct { classes[i] = .punct; continue }
            if t.kind == .number { classes[i] = .det; continue }
            let id = words.lookup(p, i)
            if id >= 0 { classes[i] = table[Int(id)] }
        }
        var cues = [Cue](repeating: .none, count: p.tokens.count)
        var hitAt = [Int](repeating: -1, count: p.tokens.count)
        for (n, h) in hits.enumerated() {
            // The first entry's category decides: a phrase under two categories ("at") keeps the
            // one the file lists first.
            guard let e = h.entries.first, entryCues[e] != .none else { continue }
            for k in h.tokens { cues[k] = entryCues[e]; hitAt[k] = n }
        }
        var mentionAt = [Int](repeating: -1, count: p.tokens.count)
        for (n, m) in mentions.enumerated() { for k in m.tokens { mentionAt[k] = n } }
        self.classes = classes
        self.cues = cues
        self.hitAt = hitAt
        self.hits = hits
        self.mentionAt = mentionAt
        eventCount = hits.reduce(0) { $0 + (cues[$1.tokens.lowerBound].isEvent ? 1 : 0) }
        // Only a token of one to three bytes can be one of the words: the rest are not compared.
        firstPerson = p.tokens.indices.contains { i in
            let t = p.tokens[i]
            return t.normEnd - t.normStart <= 3 && !t.flags.contains(.quoted)
                && (p.normEquals(i, "we") || p.normEquals(i, "our") || p.normEquals(i, "i") || p.normEquals(i, "my"))
        }
    }

    /// The cue of every lexicon entry, by entry index (`.none` for categories the reading ignores).
    static func cues(_ lexicon: Lexicon) -> [Cue] {
        lexicon.entries.map { e in Cue.categories.firstIndex(of: e.category).flatMap { Cue(rawValue: UInt8($0)) } ?? .none }
    }

    /// The lexicon entry (the hit's first) covering token `i`, with the hit's span.
    func entry(_ i: Int, _ lexicon: Lexicon) -> (Lexicon.Entry, ClosedRange<Int>)? {
        let h = hitAt[i]
        guard h >= 0, let e = hits[h].entries.first else { return nil }
        return (lexicon.entries[e], hits[h].tokens)
    }

    /// Whether token `i` reads as a verb: a lexicon verb, a listed irregular verb, or a lower-case
    /// word ending in -ed (not a hyphen's second half: "Iran-backed" is an adjective).
    func isVerb(_ p: Passage, _ i: Int) -> Bool {
        switch cues[i] {
        case .agentVerb, .patientVerb, .reciprocal: return true
        default: break
        }
        if classes[i] == .verb { return true }
        guard classes[i] == .other, p.tokens[i].kind == .word, !p.tokens[i].flags.contains(.hyphenJoined), !p.tokens[i].flags.contains(.capitalized) else { return false }
        return endsWith(p, i, "ed") && length(p, i) >= 4
    }

    /// Whether a lower-case -s word right after a subject is a verb ("Iran hangs protesters",
    /// "Erbil hosts Turkish officers"): a verb is followed by its object (a determiner, a name, a
    /// group noun), a plural noun by a preposition, punctuation or a verb ("Shia parties won").
    func isPresentVerb(_ p: Passage, _ i: Int) -> Bool {
        guard classes[i] == .other, p.tokens[i].kind == .word, !p.tokens[i].flags.contains(.capitalized),
              endsWith(p, i, "s"), !endsWith(p, i, "ss"), length(p, i) >= 4, i + 1 < p.tokens.count else { return false }
        guard p.tokens[i + 1].sentence == p.tokens[i].sentence else { return false }
        switch classes[i + 1] {
        case .det, .groupNoun: return true
        case .other: return p.tokens[i + 1].flags.contains(.capitalized) || mentionAt[i + 1] >= 0 || p.tokens[i + 1].kind == .number
        default: return false
        }
    }

    func length(_ p: Passage, _ i: Int) -> Int { Int(p.tokens[i].normEnd - p.tokens[i].normStart) }

    func endsWith(_ p: Passage, _ i: Int, _ suffix: StaticString) -> Bool {
        let t = p.tokens[i], n = suffix.utf8CodeUnitCount
        guard Int(t.normEnd - t.normStart) >= n else { return false }
        let base = Int(t.normEnd) - n
        for k in 0..<n where p.normalized[base + k] != suffix.utf8Start[k] { return false }
        return true
    }

    @inline(__always)
    func isWord(_ p: Passage, _ i: Int) -> Bool { p.tokens[i].isWordLike }

    /// Reads the slot of mention `n`.
    func slot(_ p: Passage, mentions: [Gazetteer.Mention], _ n: Int) -> Slot {
        var s = Slot()
        let m = mentions[n]
        let toks = p.tokens
        let sentence = toks[m.tokens.lowerBound].sentence
        func inSentence(_ i: Int) -> Bool { i >= 0 && i < toks.count && toks[i].sentence == sentence }

        // Right edge of the noun phrase: hyphen-joined words (Iran-backed), a possessed noun
        // (Tehran's proxies), group nouns (US bases, PMF fighters), a coordinated mention.
        var end = m.tokens.upperBound
        var k = end + 1
        while inSentence(k), toks[k].flags.contains(.hyphenJoined) { end = k; k += 1 }
        if toks[m.tokens.upperBound].flags.contains(.possessive) || toks[end].flags.contains(.possessive) {
            // Skip modifiers up to the possessed head: the first group noun or any word (max 3).
            var j = end + 1, steps = 0
            while inSentence(j), steps < 3, isWord(p, j), classes[j] == .other || classes[j] == .groupNoun, mentionAt[j] < 0, !isVerb(p, j),
                  steps == 0 || !isPresentVerb(p, j) {
                s.possessed = j
                end = j
                j += 1; steps += 1
                if classes[j - 1] == .groupNoun { break }
            }
        } else {
            var j = end + 1
            while inSentence(j), classes[j] == .groupNoun {
                if s.modified < 0 { s.modified = j }
                end = j; j += 1
            }
        }
        // Coordination: "Badr and Asaib fighters stormed": the subject reaches past the last conjunct.
        var r = end + 1
        while inSentence(r + 1), classes[r] == .conj, (p.normEquals(r, "and") || p.normEquals(r, "or")) {
            var j = r + 1
            while inSentence(j), classes[j] == .det { j += 1 }
            guard inSentence(j), mentionAt[j] >= 0 else { break }
            s.coordinated = true
            let other = mentions[mentionAt[j]]
            j = other.tokens.upperBound + 1
            while inSentence(j), toks[j].flags.contains(.hyphenJoined) || classes[j] == .groupNoun { j += 1 }
            r = j
        }
        // Predicate: skip adverbs, auxiliaries and "be" (which marks voice), and a relative pronoun.
        // "X, which denied it, fired": the main predicate after the relative clause wins.
        var sawBe = false
        var j = r
        if inSentence(j + 1), classes[j] == .punct, p.normEquals(j, ","), p.normEquals(j + 1, "who") || p.normEquals(j + 1, "which") {
            var c = j + 2
            while inSentence(c), classes[c] != .punct { c += 1 }
            if inSentence(c + 1), p.normEquals(c, ",") { j = c + 1; r = j }
        }
        if inSentence(j), classes[j] == .rel, p.normEquals(j, "who") || p.normEquals(j, "which") || p.normEquals(j, "that") { j += 1 }
        var steps = 0
        while inSentence(j), steps < 4, classes[j] == .adv || classes[j] == .aux || classes[j] == .be || toks[j].flags.contains(.negator) {
            if classes[j] == .be { sawBe = true }
            j += 1; steps += 1
        }
        if inSentence(j), isWord(p, j), mentionAt[j] < 0 {
            if isVerb(p, j) || (!sawBe && j == r && isPresentVerb(p, j)) || (sawBe && endsWith(p, j, "ing")) {
                s.predicate = j
                s.passive = sawBe && !endsWith(p, j, "ing")
            } else if sawBe {
                s.copula = true
                s.predicate = j
            }
        }

        // Left of the noun phrase: determiners, numbers, adverbs and adjectives (an unknown word
        // right after a determiner) are skipped; the first other word governs.
        var l = m.tokens.lowerBound - 1
        var skipped = 0
        while inSentence(l), skipped < 5 {
            skipped += 1
            let c = classes[l]
            if c == .det || c == .adv { l -= 1; continue }
            if c == .other, isWord(p, l), mentionAt[l] < 0, !isVerb(p, l), inSentence(l - 1), classes[l - 1] == .det { l -= 1; continue }
            break
        }
        // Coordination on the left: "between Washington and Tehran" reads from the first conjunct.
        if inSentence(l), classes[l] == .conj, inSentence(l - 1), mentionAt[l - 1] >= 0 {
            s.coordinated = true
            l = mentions[mentionAt[l - 1]].tokens.lowerBound - 1
            while inSentence(l), classes[l] == .det || classes[l] == .adv { l -= 1 }
        }
        guard inSentence(l), isWord(p, l) || classes[l] == .punct else {
            s.clauseStart = true
            return s
        }
        switch classes[l] {
        case .punct, .conj, .rel:
            s.clauseStart = true
        case .prep:
            s.preposition = l
            var h = l - 1
            while inSentence(h), classes[h] == .det { h -= 1 }
            if inSentence(h), isWord(p, h), mentionAt[h] < 0 { s.prepositionHead = h }
            // "bombed positions of X": X shares the verb's object slot with the noun it belongs to.
            if s.prepositionHead >= 0, p.normEquals(l, "of"), classes[s.prepositionHead] == .other || classes[s.prepositionHead] == .groupNoun {
                var v = s.prepositionHead - 1
                while inSentence(v), classes[v] == .det || classes[v] == .adv { v -= 1 }
                if inSentence(v), isVerb(p, v), mentionAt[v] < 0 { s.governor = v }
            }
        case .be:
            s.copula = s.copula || s.predicate < 0
            s.governor = l
        default:
            if mentionAt[l] < 0 { s.governor = l }
        }
        return s
    }
}

/// The closed-class words the reading needs, and the nouns that head a phrase after an actor's name.
enum Grammar {
    static let lists: [(ClauseReading.WordClass, [String])] = [
        (.det, ["the", "a", "an", "this", "these", "those", "its", "their", "his", "her", "our", "your", "my", "some", "every",
                "each", "any", "several", "many", "all", "both", "another", "other", "such", "few", "most", "much", "more", "dozens",
                "hundreds", "thousands", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "own"]),
        (.prep, ["of", "in", "on", "at", "by", "for", "from", "with", "to", "against", "into", "toward", "towards", "near", "over",
                 "under", "after", "before", "between", "among", "through", "across", "during", "since", "without", "within", "about",
                 "behind", "alongside", "despite", "upon", "onto", "via", "amid", "inside", "outside", "around", "along", "beyond",
                 "throughout", "like", "unlike", "including", "than", "as", "off", "until"]),
        (.conj, ["and", "or", "but", "nor"]),
        (.rel, ["who", "which", "that", "whom", "whose", "when", "while", "whereas", "because", "although", "though", "if",
                "unless", "where", "whether", "once"]),
        (.be, ["is", "are", "was", "were", "be", "been", "being", "am"]),
        (.aux, ["has", "have", "had", "having", "will", "would", "can", "could", "may", "might", "must", "shall", "should",
                "do", "does", "did", "not", "never", "also"]),
        (.adv, ["then", "reportedly", "allegedly", "repeatedly", "again", "already", "now", "later", "still", "just", "finally",
                "recently", "publicly", "openly", "directly", "even", "only", "soon", "yet", "ever", "quickly", "immediately",
                "jointly", "eventually", "apparently", "largely", "effectively", "often", "always", "quietly", "briefly",
                "swiftly", "increasingly", "initially", "subsequently", "previously", "first"]),
        // Irregular and common verbs the -ed test misses (action verbs are in the role lexicon).
        (.verb, ["said", "says", "say", "told", "tells", "took", "takes", "gave", "gives", "made", "makes", "sent", "sends",
                 "held", "holds", "led", "leads", "won", "wins", "lost", "loses", "met", "meets", "left", "leaves", "kept", "keeps",
                 "brought", "brings", "began", "begins", "became", "becomes", "came", "comes", "went", "goes", "saw", "sees",
                 "stood", "stands", "fell", "falls", "ran", "runs", "paid", "pays", "got", "gets", "put", "puts", "set", "let",
                 "spent", "built", "bought", "buys", "fought", "fights", "sought", "seeks", "knew", "knows", "grew", "grows",
                 "threw", "drew", "flew", "wrote", "writes", "rose", "broke", "spoke", "speaks", "chose", "understood",
                 "withdrew", "overthrew", "wants", "needs", "remains", "seems", "controls", "hosts", "arms", "funds",
                 "trains", "backs", "supports", "uses", "used", "helps", "tried", "tries", "want", "need", "cut", "shut",
                 "spread", "beat", "quit", "hurt", "cost", "bore", "hid", "swore", "forgave", "oversaw", "undertook"]),
        (.groupNoun, ["forces", "force", "troops", "fighters", "militia", "militias", "militiamen", "units", "unit", "brigade",
                      "brigades", "battalion", "battalions", "members", "member", "officials", "official", "leaders", "leader",
                      "leadership", "commander", "commanders", "spokesman", "spokesperson", "supporters", "followers",
                      "loyalists", "gunmen", "men", "soldiers", "personnel", "officers", "advisers", "advisors", "base", "bases",
                      "positions", "position", "headquarters", "office", "offices", "embassy", "consulate", "convoy", "convoys",
                      "drone", "drones", "rockets", "missiles", "jets", "aircraft", "warplanes", "government", "ministry",
                      "minister", "ambassador", "envoy", "envoys", "delegation", "diplomats", "lawmakers", "deputies", "bloc",
                      "camp", "checkpoint", "checkpoints", "faction", "factions", "group", "groups", "network", "proxies",
                      "allies", "clients", "operatives", "cells", "cell", "families", "residents", "army", "military",
                      "security", "police", "authorities", "volunteers", "cadres", "operation", "operations", "campaign",
                      "agents", "guards", "movement", "party", "coalition", "alliance", "regime", "administration",
                      "state", "court", "militants", "insurgents", "fighter", "patrol", "patrols"]),
    ]

    /// Interned words and each word's class, by id.
    static let (words, table): (TokenTable, [ClauseReading.WordClass]) = {
        var t = TokenTable(capacity: 512)
        var classes: [ClauseReading.WordClass] = []
        for (c, ws) in lists {
            for w in ws {
                let id = Int(t.intern(w))
                if id == classes.count { classes.append(c) }   // a word listed twice keeps its first class
            }
        }
        return (t, classes)
    }()
}
