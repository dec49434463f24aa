import RhetorKit

/// Who did what to whom: every actor mention, resolved to its canonical id, with its role
/// (agent, target, sponsor, mediator) or `mention` when it plays none (ANNOTATION.md §3).
///
/// Mentions come from the gazetteer (`corpora/actors.tsv`, longest alias first). Each mention's
/// role comes from naive Bayes over its context (words at each position around it, the cues
/// of the role lexicon to its left and right, passive `by`, `X-backed`, possessives, sentence
/// position), combined with the structural rules below as lexicon votes.
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
        labels: ["agent", "target", "sponsor", "mediator", "mention"], level: .perActor, version: 1,
        directory: "Plugins/ActorRole", corpusField: "actors",
        examples: [
            PluginExample("Iran-backed fighters fired a salvo of Katyusha rockets at Erbil on Monday night, wounding two contractors.", expect: ["iran=sponsor", "krg=target"]),
            PluginExample("Two rockets struck near the airport in Erbil late on Tuesday, the Kurdistan Region's counter-terrorism service said, blaming Kataib Hezbollah.", expect: ["kataib-hezbollah=agent"]),
            PluginExample("The convoy was ambushed by Daesh remnants near Tarmiyah.", expect: ["isis=agent"]),
            PluginExample("Qatar and the UN envoy brokered a truce between the Sadrists and the Coordination Framework.", expect: ["unami=mediator"]),
        ])

    static let roles = ["agent", "target", "sponsor", "mediator", "mention"]
    static let mentionIndex = 4
    /// Context words considered on each side of a mention.
    static let window = 4
    /// Lexicon votes beside naive Bayes.
    static let lexiconScale = 1.0
    /// A second role is reported for one mention when its probability reaches this (an actor
    /// can be target of one act and sponsor of another).
    static let secondRoleThreshold = 0.3

    /// Lidstone α, chosen by 5-fold cross-validation on the training split.
    static let defaultAlpha = 1.0
    static let kinds = TextFeatureKind.names + ["ctx", "cue", "shape", "head"]
    static let contextWord: UInt8 = 5
    static let cue: UInt8 = 6
    static let shape: UInt8 = 7
    static let head: UInt8 = 8

    public private(set) var model: PluginModel
    private var nb: NaiveBayes
    private let gazetteer: Gazetteer

    public init(model: PluginModel) throws {
        guard let nb = model.classifier("role") else { throw RhetorError.input("actor-role model has no [nb role]; rebuild it with `rhetor train actor-role`") }
        self.model = model
        self.nb = nb
        gazetteer = try Gazetteer(rows: model.table("gazetteer"))
    }

    public var knownActors: [String] { gazetteer.actors.map(\.id) }

    /// Context features of one mention, and the structural votes.
    static func features(_ p: Passage, mention m: Gazetteer.Mention, hits: [Lexicon.Hit], lexicon: Lexicon) -> (FeatureBag, [Vote]) {
        var bag = FeatureBag()
        var votes: [Vote] = []
        let toks = p.tokens
        let sentence = toks[m.tokens.lowerBound].sentence
        // Positional context words within the sentence.
        var left = 0, k = m.tokens.lowerBound - 1
        while k >= 0, left < window, toks[k].sentence == sentence {
            if toks[k].isWordLike { left += 1; bag.tokenTagged(contextWord, k, "L\(left)") } else if left == 0 { bag.literal(shape, "Lpunct") }
            k -= 1
        }
        if left == 0 && k < m.tokens.lowerBound - 1 || toks[m.tokens.lowerBound].flags.contains(.sentenceStart) { bag.literal(shape, "sentence-start") }
        var right = 0
        k = m.tokens.upperBound + 1
        while k < toks.count, right < window, toks[k].sentence == sentence {
            if toks[k].isWordLike { right += 1; bag.tokenTagged(contextWord, k, "R\(right)") } else if right == 0 { bag.literal(shape, "Rpunct") }
            k += 1
        }
        let last = toks[m.tokens.upperBound]
        if last.flags.contains(.possessive) { bag.literal(shape, "possessive") }
        if toks[m.tokens.lowerBound].flags.contains(.quoted) { bag.literal(shape, "quoted") }
        // The mention's own head word, so the model learns actor-specific habits (Tehran as sponsor).
        bag.tokenTagged(head, m.tokens.upperBound, "head")
        // Lexicon cues in the sentence, by side and distance.
        for h in hits where toks[h.tokens.lowerBound].sentence == sentence && !h.tokens.overlaps(m.tokens) {
            let isLeft = h.tokens.upperBound < m.tokens.lowerBound
            let distance = isLeft ? m.tokens.lowerBound - h.tokens.upperBound : h.tokens.lowerBound - m.tokens.upperBound
            let near = distance <= 3 ? "near" : "far"
            for e in h.entries {
                let entry = lexicon.entries[e]
                let cat = entry.category
                bag.literal(cue, "\(cat):\(isLeft ? "L" : "R"):\(near)", span: h.tokens)
                // Structural rules, as votes.
                let adjacent = distance == 1
                switch cat {
                case "sponsor-suffix" where !isLeft && adjacent && toks[h.tokens.lowerBound].flags.contains(.hyphenJoined):
                    votes.append(Vote(label: 2, weight: entry.weight, tokens: h.tokens, source: "rule:X-\(entry.text) → sponsor"))
                case "sponsor-prep" where isLeft && distance <= 2:
                    votes.append(Vote(label: 2, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → sponsor"))
                case "passive-by" where isLeft && distance <= 2:
                    votes.append(Vote(label: 0, weight: entry.weight, tokens: h.tokens, source: "rule:passive by X → agent"))
                case "mediator" where distance <= 4:
                    votes.append(Vote(label: 3, weight: entry.weight, tokens: h.tokens, source: "lexicon:\(entry.text) (mediator)"))
                case "location-prep" where isLeft && adjacent:
                    votes.append(Vote(label: mentionIndex, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → location"))
                case "reciprocal" where distance <= 2:
                    votes.append(Vote(label: 0, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) → both sides agents"))
                case "target-prep" where isLeft && distance <= 2:
                    votes.append(Vote(label: 1, weight: entry.weight, tokens: h.tokens, source: "rule:\(entry.text) X → target"))
                case "agent-verb" where !isLeft && distance <= 3:
                    votes.append(Vote(label: 0, weight: entry.weight, tokens: h.tokens, source: "rule:X \(entry.text) → agent"))
                case "agent-verb" where isLeft && distance <= 3 && !toks[h.tokens.lowerBound].flags.contains(.hyphenJoined):
                    votes.append(Vote(label: 1, weight: entry.weight * 0.5, tokens: h.tokens, source: "rule:\(entry.text) X → target"))
                case "patient-verb" where !isLeft && distance <= 3:
                    votes.append(Vote(label: 1, weight: entry.weight, tokens: h.tokens, source: "rule:X \(entry.text) → target"))
                default: break
                }
            }
        }
        return (bag, votes)
    }

    public func classify(_ passage: Passage, options: ClassifyOptions) -> [Decision] {
        let hits = model.lexicon.match(passage)
        let resolver = FeatureResolver()
        var out: [Decision] = []
        for m in gazetteer.mentions(in: passage) {
            let (bag, votes) = ActorRolePlugin.features(passage, mention: m, hits: hits, lexicon: model.lexicon)
            var d = Combiner.decide(nb: nb, bag: bag, passage: passage, votes: votes, lexiconScale: ActorRolePlugin.lexiconScale,
                                    mode: options.mode, maxEvidence: options.maxEvidence, subject: m.actor, resolver: resolver)
            d.mention = m.surface
            d.start = m.start
            d.end = m.end
            var decisions = [d]
            // An actor can hold two roles: report a strong runner-up role too.
            if let second = d.scores.filter({ $0.0 != d.label && $0.0 != "mention" }).max(by: { $0.1 < $1.1 }),
               d.label != "mention", second.1 >= ActorRolePlugin.secondRoleThreshold {
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
        let ms = gazetteer.mentions(in: passage).filter { $0.actor == actor }
        guard let m = ms.first else { throw RhetorError.usage("no mention of '\(actor)' in the last passage") }
        nb.add(ActorRolePlugin.features(passage, mention: m, hits: hits, lexicon: model.lexicon).0, passage: passage, label: c)
        model.setClassifier("role", nb)
    }

    public static func train(_ corpus: Corpus, lexicon: Lexicon, options: TrainingOptions) throws -> PluginModel {
        var model = PluginModel(pluginID: descriptor.id)
        model.lexicon = lexicon
        model.setMeta("alpha", formatNumber(options.alpha ?? defaultAlpha))
        model.tables.append(("gazetteer", options.gazetteer.rows))
        let gazetteer = options.gazetteer
        var nb = NaiveBayes(classes: roles, kinds: kinds, alpha: options.alpha ?? defaultAlpha, variant: .complement)
        let analyzer = Analyzer()
        for r in corpus.records where r.hasActorAnnotation {
            let p = analyzer.analyze(r.text)
            let hits = lexicon.match(p)
            let ms = gazetteer.mentions(in: p)
            for (m, labels) in zip(ms, RoleAlignment.align(ms.map { ($0.actor, $0.start..<$0.end) }, gold: r.actors, text: r.text)) {
                let bag = features(p, mention: m, hits: hits, lexicon: lexicon).0
                for l in labels { nb.add(bag, passage: p, label: nb.classIndex(l)!, weight: 1 / Double(labels.count)) }
            }
        }
        model.setClassifier("role", nb)
        return model
    }
}
