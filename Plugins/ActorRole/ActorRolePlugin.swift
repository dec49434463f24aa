import RhetorKit

/// Who did what to whom: every actor mention, resolved to its canonical id, with its role
/// (agent, target, sponsor, mediator) or `mention` when it plays none (ANNOTATION.md §3).
///
/// Mentions come from the gazetteer (`corpora/actors.tsv`, longest alias first; a leader's
/// followers resolve to the movement). Each mention's role comes from naive Bayes over its
/// context — the words on each side, the cues of the role lexicon to its left and right, the
/// clause slot it fills (`ClauseReading`: subject of a predicate, object of a verb, object of
/// a preposition, possessor), who it is (head word, actor id and type) and the sentence's
/// event — combined with the structural rules below as lexicon votes.
///
/// Lexicon categories (`Plugins/ActorRole/lexicon.tsv`): `agent-verb` (attacked, fired),
/// `patient-verb` (was killed, targeted), `passive-by` (by), `sponsor-suffix` (backed, funded —
/// after a hyphen), `sponsor-prep` (proxy of, on behalf of, loyal to), `mediator` (brokered,
/// mediated, envoy), `location-prep` (in, near, at), `target-prep` (against, at, on),
/// `reciprocal` (clashed with, exchanged fire with: both sides are agents).
public struct ActorRolePlugin: ClassifierPlugin {
    public static let descriptor = PluginDescriptor(
        id: "actor-role",
        summary: "Every actor mention with its canonical id and role: agent, target, sponsor, mediator, or mention.",
        labels: ["agent", "target", "sponsor", "mediator", "mention"], level: .perActor, version: 4,
        directory: "Plugins/ActorRole", corpusField: "actors",
        examples: [
            PluginExample("Iran-backed fighters fired a salvo of Katyusha rockets at Erbil on Monday night, wounding two contractors.", expect: ["iran=sponsor", "krg=target"]),
            PluginExample("Two rockets struck near the airport in Erbil late on Tuesday, the Kurdistan Region's counter-terrorism service said, blaming Kataib Hezbollah.", expect: ["kataib-hezbollah=agent"]),
            PluginExample("The convoy was ambushed by Daesh remnants near Tarmiyah.", expect: ["isis=agent"]),
            PluginExample("Qatar and the UN envoy brokered a truce between the Sadrists and the Coordination Framework.", expect: ["unami=mediator"]),
            PluginExample("Kataib Hezbollah, which denied any involvement, fired three rockets at US forces near the airport.", expect: ["kataib-hezbollah=agent", "us-forces=target"]),
            PluginExample("Supporters of Muqtada al-Sadr stormed the parliament building on Saturday.", expect: ["sadrists=agent", "iraqi-parliament=target"]),
        ])

    static let roles = ["agent", "target", "sponsor", "mediator", "mention"]
    static let mentionIndex = 4
    /// Context words considered on each side of a mention (within its sentence). 5-fold CV over
    /// the whole training split prefers 8 (0.634 vs 0.624), but CV over parts a–f alone (the
    /// held-out split's kind of text; the later parts always in training) prefers 4 (0.663 vs
    /// 0.656): the farther words carry the later parts' style more than roles.
    static let window = 4
    /// Lexicon votes beside naive Bayes.
    static let lexiconScale = 1.0
    /// A second role is reported for one mention when its probability reaches this (an actor
    /// can be target of one act and sponsor of another). Raised from 0.3 with the logistic
    /// layer, whose probabilities are sharper (5-fold CV on the training split).
    static let secondRoleThreshold = 0.4

    /// Lidstone α, chosen by 5-fold cross-validation on the training split.
    static let defaultAlpha = 1.0
    /// The logistic layer (see `LogisticLayer`): its share of the mixed score and its L2
    /// penalty (1/C), chosen by 5-fold cross-validation on the training split.
    static let logisticMix = 0.7
    static let logisticL2 = 1.0
    static let kinds = TextFeatureKind.names + ["ctx", "cue", "shape", "head", "slot"]
    static let contextWord: UInt8 = 5
    static let cue: UInt8 = 6
    static let shape: UInt8 = 7
    static let head: UInt8 = 8
    static let slot: UInt8 = 9

    public private(set) var model: PluginModel
    private var nb: NaiveBayes
    private let gazetteer: Gazetteer
    private let entryCues: [ClauseReading.Cue]
    private let names: Names

    public init(model: PluginModel) throws {
        guard let nb = model.classifier("role") else { throw RhetorError.input("actor-role model has no [nb role]; rebuild it with `rhetor train actor-role`") }
        self.model = model
        self.nb = nb
        gazetteer = try Gazetteer.shared(rows: model.table("gazetteer"))
        entryCues = ClauseReading.cues(model.lexicon)
        names = Names(lexicon: model.lexicon, gazetteer: gazetteer)
    }

    /// Feature names made once per model, not per hit and mention.
    struct Names {
        /// Each lexicon entry's cue feature, by side and distance (`category:L:near`, `:L:far`,
        /// `:R:near`, `:R:far`, four per entry).
        let cues: [String]
        /// Each actor's `actor:` and `type:` features, and its type.
        let actors: [String: (actor: String, typeFeature: String, type: String)]

        init(lexicon: Lexicon, gazetteer: Gazetteer) {
            cues = lexicon.entries.flatMap { e in ["L:near", "L:far", "R:near", "R:far"].map { e.category + ":" + $0 } }
            var actors: [String: (actor: String, typeFeature: String, type: String)] = [:]
            for a in gazetteer.actors { actors[a.id] = ("actor:" + a.id, "type:" + a.type, a.type) }
            self.actors = actors
        }
    }

    public var knownActors: [String] { gazetteer.actors.map(\.id) }

    /// The gazetteer's mentions, each resolved to the most specific id the guide asks for: a
    /// leader's followers ("supporters of Sadr", "Sadr loyalists") are the leader's movement
    /// (`resolved` names the rule, for evidence).
    static func mentions(_ p: Passage, _ gazetteer: Gazetteer) -> [(mention: Gazetteer.Mention, resolved: String?)] {
        var ms = gazetteer.mentions(in: p).map { (mention: $0, resolved: String?.none) }
        func isFollowers(_ i: Int) -> Bool {
            i >= 0 && i < p.tokens.count && (p.normEquals(i, "supporters") || p.normEquals(i, "followers") || p.normEquals(i, "loyalists") || p.normEquals(i, "partisans"))
        }
        func isTitle(_ i: Int) -> Bool {
            p.normEquals(i, "the") || p.normEquals(i, "shia") || p.normEquals(i, "shiite") || p.normEquals(i, "cleric") || p.normEquals(i, "populist")
                || p.normEquals(i, "influential") || p.normEquals(i, "nationalist") || p.normEquals(i, "firebrand") || p.normEquals(i, "leader")
        }
        for k in ms.indices {
            guard let a = gazetteer.actor(ms[k].mention.actor), let parent = a.parent, personTypes.contains(a.type),
                  let movement = gazetteer.actor(parent), movementTypes.contains(movement.type) else { continue }
            let r = ms[k].mention.tokens
            var span: ClosedRange<Int>? = nil
            // "supporters of the Shia cleric Muqtada al-Sadr": a title between "of" and the name.
            var of = r.lowerBound - 1
            while of > 0, r.lowerBound - of <= 4, isTitle(of) { of -= 1 }
            if of >= 1, p.normEquals(of, "of"), isFollowers(of - 1) { span = (of - 1)...r.upperBound }
            else if isFollowers(r.upperBound + 1) { span = r.lowerBound...(r.upperBound + 1) }
            guard let s = span else { continue }
            (ms[k].mention.start, ms[k].mention.end) = p.span(s)
            ms[k].mention.actor = parent
            ms[k].mention.tokens = s
            ms[k].mention.surface = p.surface(tokens: s)
            ms[k].resolved = "rule:followers of \(a.id) → \(parent)"
        }
        // A mention inside a followers phrase ("Shia" in "supporters of the Shia cleric …") is part of it.
        return ms.filter { m in !ms.contains { $0.resolved != nil && $0.mention.tokens != m.mention.tokens && $0.mention.tokens.contains(m.mention.tokens.lowerBound) } }
    }
    static let personTypes: Set<String> = ["religious-leader", "politician", "militia-leader"]
    /// The count features, named once rather than per mention.
    static let sentenceActors = (0...3).map { "sentence-actors:\($0)" }
    static let passageEvents = (0...3).map { "passage-events:\($0)" }
    static let passageActors = (0...4).map { "passage-actors:\($0)" }
    static let movementTypes: Set<String> = ["party", "militia"]

    /// Context features of one mention, and the structural votes.
    static func features(_ p: Passage, mentions ms: [Gazetteer.Mention], _ n: Int, reading: ClauseReading, hits: [Lexicon.Hit],
                         lexicon: Lexicon, names: Names) -> (FeatureBag, [Vote]) {
        var bag = FeatureBag()
        var votes: [Vote] = []
        let m = ms[n]
        let toks = p.tokens
        let sentence = toks[m.tokens.lowerBound].sentence
        // Context words within the sentence, by side only (positions split the few examples), and
        // the adjacent word on each side by itself ("said", "by", "against" right next to it).
        var left = 0, k = m.tokens.lowerBound - 1
        while k >= 0, left < window, toks[k].sentence == sentence {
            if toks[k].isWordLike {
                left += 1
                bag.tokenTagged(contextWord, k, "L")
                if left == 1 { bag.tokenTagged(contextWord, k, "L1") }
            } else if left == 0 { bag.literal(shape, "Lpunct") }
            k -= 1
        }
        if left == 0 && k < m.tokens.lowerBound - 1 || toks[m.tokens.lowerBound].flags.contains(.sentenceStart) { bag.literal(shape, "sentence-start") }
        var right = 0
        k = m.tokens.upperBound + 1
        while k < toks.count, right < window, toks[k].sentence == sentence {
            if toks[k].isWordLike {
                right += 1
                bag.tokenTagged(contextWord, k, "R")
                if right == 1 { bag.tokenTagged(contextWord, k, "R1") }
            } else if right == 0 { bag.literal(shape, "Rpunct") }
            k += 1
        }
        let last = toks[m.tokens.upperBound]
        if last.flags.contains(.possessive) { bag.literal(shape, "possessive") }
        if toks[m.tokens.lowerBound].flags.contains(.quoted) { bag.literal(shape, "quoted") }
        // Who it is: head word, id and type, so the model learns actor habits (Tehran as sponsor)
        // and carries them across aliases and to actors it has rarely seen.
        bag.tokenTagged(head, m.tokens.upperBound, "head")
        let actor = names.actors[m.actor]
        bag.literal(head, actor?.actor ?? "actor:" + m.actor)
        if let a = actor { bag.literal(head, a.typeFeature) }
        // The guide annotates an actor at its first mention; repeats rarely add a role.
        bag.literal(shape, ms[..<n].contains { $0.actor == m.actor } ? "repeat-mention" : "first-mention")
        // The sentence's event: is there an action at all, how many actors, is this one the first.
        let action = hits.contains { toks[$0.tokens.lowerBound].sentence == sentence && reading.cues[$0.tokens.lowerBound].isEvent }
        bag.literal(shape, action ? "sentence-action" : "sentence-no-action")
        var inSentence = 0, first = true
        for (j, o) in ms.enumerated() where toks[o.tokens.lowerBound].sentence == sentence {
            inSentence += 1
            if j < n { first = false }
        }
        bag.literal(shape, sentenceActors[min(inSentence, 3)])
        if first { bag.literal(shape, "first-in-sentence") }
        // The passage's kind: a report of events (wire: many cues, third person) annotates more
        // of its actors than a comment in the first person; the first sentence carries the news.
        bag.literal(shape, passageEvents[min(reading.eventCount, 3)])
        bag.literal(shape, passageActors[min(ms.count, 4)])
        if reading.firstPerson { bag.literal(shape, "first-person") }
        if sentence == 0 { bag.literal(shape, "first-sentence") }
        // The clause slot it fills.
        let s = reading.slot(p, mentions: ms, n)
        slotFeatures(p, s, reading, &bag)
        // The slot by kind of actor: a state as the object of "attacked" is its target, a
        // politician as the subject of "ordered" its agent; the logistic layer weighs the pair.
        if let a = actor {
            if s.predicate >= 0 { bag.literal(slot, a.type + "|subj-" + (s.passive ? "passive:" : "active:") + reading.cues[s.predicate].name) }
            if s.governor >= 0 { bag.literal(slot, a.type + "|obj:" + reading.cues[s.governor].name) }
            if s.preposition >= 0 { bag.tokenTagged(slot, s.preposition, a.type + "|prep") }
            if s.possessed >= 0 { bag.literal(slot, a.type + "|possessor") }
        }
        votes += slotVotes(p, s, reading, lexicon: lexicon)
        let betweenParties = s.preposition >= 0 && p.normEquals(s.preposition, "between")
        // Lexicon cues in the sentence, by side and distance.
        for h in hits where toks[h.tokens.lowerBound].sentence == sentence && !h.tokens.overlaps(m.tokens) {
            let isLeft = h.tokens.upperBound < m.tokens.lowerBound
            let distance = isLeft ? m.tokens.lowerBound - h.tokens.upperBound : h.tokens.lowerBound - m.tokens.upperBound
            let side = (isLeft ? 0 : 2) + (distance <= 3 ? 0 : 1)
            for e in h.entries {
                let entry = lexicon.entries[e]
                let cat = entry.category
                bag.literal(cue, names.cues[e * 4 + side], span: h.tokens)
                // Phrase rules, as votes (verbs vote through the clause slot).
                let adjacent = distance == 1
                switch cat {
                case "sponsor-suffix" where !isLeft && adjacent && toks[h.tokens.lowerBound].flags.contains(.hyphenJoined):
                    votes.append(Vote(label: 2, weight: entry.weight, tokens: h.tokens, source: "rule:X-\(entry.text) → sponsor"))
                case "sponsor-prep" where isLeft && distance <= 2:
                    votes.append(Vote(label: 2, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → sponsor"))
                case "passive-by" where isLeft && distance <= 2:
                    votes.append(Vote(label: 0, weight: entry.weight, tokens: h.tokens, source: "rule:passive by X → agent"))
                // The parties of "talks between X and Y" are not its mediators.
                case "mediator" where distance <= 4 && !betweenParties:
                    votes.append(Vote(label: 3, weight: entry.weight, tokens: h.tokens, source: "lexicon:\(entry.text) (mediator)"))
                case "location-prep" where isLeft && adjacent:
                    votes.append(Vote(label: mentionIndex, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → location"))
                case "reciprocal" where distance <= 2:
                    votes.append(Vote(label: 0, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) → both sides agents"))
                case "target-prep" where isLeft && distance <= 2:
                    votes.append(Vote(label: 1, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → target"))
                default: break
                }
            }
        }
        return (bag, votes)
    }

    /// Votes from the clause slot: the subject of an action verb is its agent; the subject of
    /// its passive, of an undergoing form, or its object is the target.
    static func slotVotes(_ p: Passage, _ s: ClauseReading.Slot, _ r: ClauseReading, lexicon: Lexicon) -> [Vote] {
        var votes: [Vote] = []
        if s.predicate >= 0, let (e, span) = r.entry(s.predicate, lexicon) {
            switch r.cues[s.predicate] {
            case .agentVerb where s.passive:
                votes.append(Vote(label: 1, weight: e.weight, tokens: span, source: "rule:X was \(e.text) → target"))
            case .agentVerb:
                votes.append(Vote(label: 0, weight: e.weight, tokens: span, source: "rule:X \(e.text) → agent"))
            case .patientVerb:
                votes.append(Vote(label: 1, weight: e.weight, tokens: span, source: "rule:X \(e.text) → target"))
            default: break
            }
        }
        if s.governor >= 0, r.cues[s.governor] == .agentVerb, !p.tokens[s.governor].flags.contains(.hyphenJoined), let (e, span) = r.entry(s.governor, lexicon) {
            votes.append(Vote(label: 1, weight: e.weight, tokens: span, source: "rule:\(e.text) X → target"))
        }
        return votes
    }

    /// The clause slot as features: the governing word itself and its lexicon class.
    static func slotFeatures(_ p: Passage, _ s: ClauseReading.Slot, _ r: ClauseReading, _ bag: inout FeatureBag) {
        if s.predicate >= 0 {
            let voice = s.copula ? "copula" : s.passive ? "passive" : "active"
            // Inside a prepositional phrase the predicate belongs to the phrase's head ("talks between X and Y stalled").
            let inPP = s.preposition >= 0 ? "pp-" : ""
            bag.tokenTagged(slot, s.predicate, inPP + "pred-" + voice)
            bag.literal(slot, inPP + "subj-\(voice):" + r.cues[s.predicate].name, span: s.predicate...s.predicate)
        }
        if s.governor >= 0 {
            bag.tokenTagged(slot, s.governor, "gov")
            bag.literal(slot, "obj:" + (r.isVerb(p, s.governor) ? r.cues[s.governor].name : "other"), span: s.governor...s.governor)
        }
        if s.preposition >= 0 {
            bag.tokenTagged(slot, s.preposition, "prep")
            if s.prepositionHead >= 0 { bag.pair(slot, s.prepositionHead, s.preposition) }
        }
        if s.possessed >= 0 { bag.tokenTagged(slot, s.possessed, "poss") }
        if s.modified >= 0 { bag.tokenTagged(slot, s.modified, "mod") }
        if s.clauseStart { bag.literal(slot, s.predicate >= 0 ? "clause-start+pred" : "clause-start") }
        if s.coordinated { bag.literal(slot, "coordinated") }
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let hits = model.lexicon.match(passage)
        let resolver = FeatureResolver()
        var out: [Decision] = []
        let found = ActorRolePlugin.mentions(passage, gazetteer)
        let ms = found.map(\.mention)
        let reading = ClauseReading(passage, hits: hits, entryCues: entryCues, mentions: ms)
        for (n, (m, resolved)) in found.enumerated() {
            let (bag, votes) = ActorRolePlugin.features(passage, mentions: ms, n, reading: reading, hits: hits, lexicon: model.lexicon, names: names)
            var d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: ActorRolePlugin.lexiconScale,
                                    mode: options.mode, maxEvidence: options.maxEvidence, subject: m.actor, resolver: resolver)
            // ANNOTATION.md's convention: `X-backed`, `X-supplied`… make X a sponsor, whatever the model says.
            // On bytes: `hasPrefix` compares Characters, thousands of instructions a call.
            let convention = votes.first { $0.source.utf8.starts(with: "rule:X-".utf8) }
            if let rule = convention, d.label != "sponsor" {
                d.label = "sponsor"
                d.confidence = d.scores.first { $0.0 == "sponsor" }?.1 ?? 0
                d.evidence.insert(Evidence(passage, tokens: rule.tokens, weight: rule.weight, source: rule.source + " (convention)"), at: 0)
            }
            d.mention = m.surface
            d.start = m.start
            d.end = m.end
            if let rule = resolved { d.evidence.insert(Evidence(start: m.start, end: m.end, text: m.surface, weight: 0, source: rule), at: 0) }
            var decisions = [d]
            // An actor can hold two roles: report a strong runner-up role too.
            if let second = d.scores.filter({ $0.0 != d.label && $0.0 != "mention" }).max(by: { $0.1 < $1.1 }),
               d.label != "mention", convention == nil, second.1 >= ActorRolePlugin.secondRoleThreshold {
                var d2 = d
                d2.label = second.0
                d2.confidence = second.1
                decisions.append(d2)
            }
            for d in decisions {
                out.append(d)
                if options.rollUp {
                    for ancestor in gazetteer.lineage(m.actor).dropFirst() {
                        var up = d
                        up.subject = ancestor
                        up.evidence = [Evidence(start: m.start, end: m.end, text: m.surface, weight: 0, source: "rule:roll-up from \(m.actor)")] + d.evidence
                        out.append(up)
                    }
                }
            }
        }
        return out
    }

    public mutating func learn(_ passage: Passage, correction: Correction) throws {
        guard case .actor(let actor, let role) = correction, let c = nb.classIndex(role) else {
            throw RhetorError.usage("actor-role takes actor=role, role one of \(ActorRolePlugin.roles.joined(separator: ", "))")
        }
        let hits = model.lexicon.match(passage)
        let ms = ActorRolePlugin.mentions(passage, gazetteer).map(\.mention)
        guard let n = ms.firstIndex(where: { $0.actor == actor }) else { throw RhetorError.usage("no mention of '\(actor)' in the last passage") }
        let reading = ClauseReading(passage, hits: hits, entryCues: entryCues, mentions: ms)
        nb.add(ActorRolePlugin.features(passage, mentions: ms, n, reading: reading, hits: hits, lexicon: model.lexicon, names: names).0, passage: passage, label: c)
        model.setClassifier("role", nb)
    }

    public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
        var model = PluginModel(pluginID: descriptor.id)
        model.lexicon = lexicon
        model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
        model.tables.append(("gazetteer", options.gazetteer.rows))
        let gazetteer = options.gazetteer
        let entryCues = ClauseReading.cues(lexicon)
        let names = Names(lexicon: lexicon, gazetteer: gazetteer)
        let analyzer = Analyzer()
        // Each annotated passage's mentions with their features and gold roles (a mention of an
        // actor annotated elsewhere in the passage has none), extracted once for both fits.
        var mentionsSeen: [(passage: Passage, bag: FeatureBag, labels: [String])] = []
        for r in corpus.records where r.hasActorAnnotation {
            let p = analyzer.analyze(r.text)
            let hits = lexicon.match(p)
            let ms = mentions(p, gazetteer).map(\.mention)
            let reading = ClauseReading(p, hits: hits, entryCues: entryCues, mentions: ms)
            for (n, labels) in RoleAlignment.align(ms.map { ($0.actor, $0.start..<$0.end) }, gold: r.actors, text: r.text).enumerated() where !labels.isEmpty {
                mentionsSeen.append((p, features(p, mentions: ms, n, reading: reading, hits: hits, lexicon: lexicon, names: names).0, labels))
            }
        }
        var nb = NaiveBayes(classes: roles, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .complement)
        for (p, bag, labels) in mentionsSeen {
            for l in labels { nb.add(bag, passage: p, label: nb.classIndex(l)!, weight: 1 / Double(labels.count)) }
        }
        // The logistic layer, fitted on the same mentions, resolved against the finished model.
        var examples: [LogisticLayer.Example] = []
        let resolver = FeatureResolver()
        for (p, bag, labels) in mentionsSeen {
            nb.resolve(bag, passage: p, into: resolver)
            for l in labels { examples.append(LogisticLayer.Example(rows: resolver.rows, label: nb.classIndex(l)!, weight: 1 / Double(labels.count))) }
        }
        model.setClassifier("role", LogisticLayer.fit([nb], [examples], l2: logisticL2, mix: logisticMix)[0])
        return model
    }
}
