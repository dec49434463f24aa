import XCTest
import RhetorKit
import RhetorPlugins

/// Minimal pairs: the same content with and without sectarian rhetoric in the author's voice.
/// At most one passage in forty may be wrong (issue: voice, boundary uses, criticism vs generalisation).
final class SectarianContrastTests: XCTestCase {
    /// (passage, expected level) pairs; each pair differs in one decisive respect.
    static let pairs: [((String, String), (String, String))] = [
        // Slur used vs quoted to condemn or report.
        (("The rafida have turned Baghdad into a colony of Qom, and every one of them is a traitor.", "hostile"),
         ("A preacher who called Baghdad's residents 'rafida' in a Friday sermon was suspended by the endowment.", "none")),
        (("These majus in the ministries are traitors to Iraq and always will be.", "hostile"),
         ("Leaflets calling the ministers \"majus\" were found near the mosque and police condemned the hate speech.", "none")),
        (("Nawasib everywhere in Anbar, traitors and Daesh lovers, all of them.", "hostile"),
         ("The cleric was arrested for calling Anbar's people \"nawasib\" on television.", "none")),
        (("Safawi dogs in uniform run every checkpoint in the capital.", "hostile"),
         ("Graffiti reading 'Safawi dogs' was painted over by residents of Adhamiya the next morning.", "none")),
        (("The rawafid snakes will never stop until they own the whole country.", "hostile"),
         ("Activists denounced a hashtag that called Shia pilgrims 'rawafid snakes' and asked the platform to remove it.", "none")),
        (("Every nasibi in parliament is a Daeshi in a suit.", "hostile"),
         ("An MP who called his colleagues 'nasibi' and 'Daeshi' was censured by the speaker.", "none")),
        (("The filthy rafidha should be thrown out of Samarra before the next Eid.", "incitement"),
         ("Police tore down banners telling 'rafidha' to leave Samarra and opened an investigation.", "none")),
        (("Burn the houses of the nawasib in Jurf al-Sakhar so they never return.", "incitement"),
         ("Rights groups condemned posts urging militiamen to burn the houses of 'nawasib' in Jurf al-Sakhar.", "none")),
        (("Kill every rafidi pilgrim on the road to Karbala, their blood is halal.", "incitement"),
         ("A channel was shut down after a presenter read out messages calling rafidi pilgrims' blood halal.", "none")),
        (("Drive the nawasib out of Baghdad, not one of them should be left in Amiriya.", "incitement"),
         ("The ministry said messages telling families to leave Amiriya were sectarian incitement and arrested two men.", "none")),
        // takfiri / Wahhabi / Safavid: boundary uses vs applied to a whole sect.
        (("Takfiri gunmen of the Islamic State executed twelve shepherds near Rutba, police said.", "none"),
         ("The Sunnis of Anbar are all takfiri at heart and always will be.", "hostile")),
        (("Daesh's takfiri ideology justified the massacre at Camp Speicher.", "none"),
         ("Tikrit's Sunnis are all takfiri traitors.", "hostile")),
        (("Wahhabi doctrine, exported by Saudi clerics in the 1980s, shaped the early jihadist groups.", "none"),
         ("Mosul's Sunnis are Wahhabi dogs who opened the gates to the caliphate.", "hostile")),
        (("The Safavid dynasty made Shiism the state religion of Persia in the sixteenth century.", "none"),
         ("The Safavid government in Baghdad takes its orders from Qom and hates every Sunni.", "hostile")),
        (("Takfiri cells of ISIS still attack shepherds in the Hamrin mountains.", "none"),
         ("Takfiri Sunnis should be cleansed from the Hamrin villages once and for all.", "incitement")),
        // Criticism of a named militia vs of a sect.
        (("Kataib Hezbollah is a criminal gang that kidnaps activists and smuggles oil.", "none"),
         ("The Shia are a criminal sect, they kidnap and smuggle because it is in their blood.", "hostile")),
        (("Asaib Ahl al-Haq's commanders grew rich while Basra went without water.", "none"),
         ("Shias grow rich by stealing; Basra went without water because that sect only knows theft.", "hostile")),
        (("The Hashd brigades that looted Tikrit in 2015 must be prosecuted.", "none"),
         ("Those Shia thieves looted Tikrit like the vermin they are.", "hostile")),
        (("Badr's grip on the interior ministry turned the police into a party militia.", "none"),
         ("The Shia parties will never let a Sunni hold a real ministry in this state.", "framing")),
        (("The militia that ran the checkpoint at Nukhayb extorted drivers for years.", "none"),
         ("The militias used the war as cover to punish the Sunnis collectively.", "framing")),
        // Descriptor vs framing.
        (("Shia pilgrims walked from Basra to Karbala for Arbaeen under heavy security.", "none"),
         ("Baghdad's Shia rulers will never share power with Sunnis, whatever the constitution says.", "framing")),
        (("Anbar, a Sunni-majority province, reported higher turnout this year, the electoral commission said.", "none"),
         ("The Sunnis are being erased from the state, one ministry at a time.", "framing")),
        (("Sunni and Shia clerics prayed together in Samarra after the bombing anniversary.", "none"),
         ("Every government since 2005 has been built for one sect, and Sunnis are guests in it.", "framing")),
        (("The Sunni Endowment announced the reopening of the mosque in Falluja.", "none"),
         ("Sunni politicians all secretly work for the Gulf; none of them cares for Iraq.", "framing")),
        (("Turnout among Shia voters in Najaf fell to a record low.", "none"),
         ("Shias vote for whoever Tehran tells them to, the sect has no country but Iran.", "framing")),
        // Dehumanisation vs ordinary insult of a named actor.
        (("The minister is an incompetent thief and should resign.", "none"),
         ("Those Shia vermin in the ministries breed like rats.", "hostile")),
        (("The governor's office is a nest of corruption.", "none"),
         ("Sunni areas are a nest of snakes, the whole sect is filth.", "hostile")),
        (("That party's MPs behave like animals in every session.", "none"),
         ("Rafidi animals, impure and Persian to the bone.", "hostile")),
        // Celebration of violence vs reporting it.
        (("A suicide bomber killed 30 pilgrims in Hilla, the health ministry said.", "none"),
         ("Thirty rafida pilgrims dead in Hilla, may God send a hundred more like him, a blessed operation.", "incitement")),
        (("The car bomb in Sadr City killed dozens of shoppers on Saturday.", "none"),
         ("Sadr City burned today, glad they died, the rafida deserve every bomb.", "incitement")),
        (("Gunmen killed a family in a Sunni village north of Baquba, police said.", "none"),
         ("Good riddance to that Sunni village, raze the rest of the nawasib villages around Baquba.", "incitement")),
        (("Militiamen were accused of abducting men from Saqlawiyah in 2016.", "none"),
         ("Take every man from Saqlawiyah, the nawasib deserve nothing but the grave.", "incitement")),
        // Arabic script: used vs quoted.
        (("الرافضة خونة ولا يؤتمنون على بغداد", "hostile"),
         ("Posters reading \"الرافضة\" were removed by the municipality and the governor condemned them.", "none")),
        (("النواصب دواعش كلهم #الأنبار", "hostile"),
         ("The court sentenced a man who called Anbar's people \"النواصب\" in a viral clip.", "none")),
        // Hashtags.
        (("#Safavid_militias rule Diyala now, every Sunni knows it.", "hostile"),
         ("Researchers traced the #Safavid_militias hashtag to a network of bot accounts and reported it.", "none")),
        (("#cleanse_the_nawasib from Diyala before the elections", "incitement"),
         ("The #cleanse_the_nawasib hashtag was condemned by clerics of both sects as incitement.", "none")),
        // Expulsion calls vs policy talk.
        (("All Sunnis should leave Basra before the end of the month or face the consequences.", "incitement"),
         ("Families displaced from Basra in 2006 have started to return, the migration ministry said.", "none")),
        (("No Shia should be allowed to stay in Mosul, drive them out.", "incitement"),
         ("The returns of displaced Shia Turkmen to Tal Afar remain slow.", "none")),
        (("Purge the army of every Sunni officer now.", "incitement"),
         ("Parliament debated a law on the balance of officers in the army.", "none")),
        (("Expel every Shia family from the old city of Karbala and never let them return.", "incitement"),
         ("Iranian pilgrims crowded Karbala for Arbaeen, officials said.", "none")),
    ]

    func testEveryMinimalPairIsClassifiedRight() throws {
        let plugin = try shippedCatalog().load("sectarian")
        let analyzer = Analyzer()
        XCTAssertGreaterThanOrEqual(SectarianContrastTests.pairs.count, 40)
        var wrong: [String] = []
        for (a, b) in SectarianContrastTests.pairs {
            for (text, expected) in [a, b] {
                let got = plugin.classify(analyzer.analyze(text), options: ClassifyOptions()).first?.label
                if got != expected { wrong.append("«\(text)» expected \(expected), got \(got ?? "nothing")") }
            }
        }
        // A statistical model retrained on a growing corpus can flip a pair or two; more than
        // one passage in forty (2 of 80) is a regression; the message lists the wrong ones.
        XCTAssertLessThanOrEqual(wrong.count, SectarianContrastTests.pairs.count / 20, "\(wrong.count) wrong:\n" + wrong.joined(separator: "\n"))
    }
}
