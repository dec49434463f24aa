// swift-tools-version:6.0
import PackageDescription

// Every classifier plugin is its own target under Plugins/, listed here and in
// Sources/RhetorPlugins/Registry.swift (`rhetor new-plugin` appends to both).
let pluginTargets: [(name: String, path: String)] = [
    ("StancePlugin", "Plugins/Stance"),
    ("SectarianPlugin", "Plugins/Sectarian"),
    ("ActorRolePlugin", "Plugins/ActorRole"),
    ("FramingPlugin", "Plugins/Framing"),
]

let package = Package(
    name: "Rhetor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rhetor", targets: ["rhetor"]),
        .library(name: "RhetorKit", targets: ["RhetorKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "RhetorKit", dependencies: ["CSHA256"]),
        // SHA-256 with the CPU's SHA instructions: models record the hashes of their corpus.
        .target(name: "CSHA256"),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "RhetorPlugins", dependencies: ["RhetorKit"] + pluginTargets.map { .target(name: $0.name) }),
        .target(name: "RhetorREPL", dependencies: ["RhetorKit", "CEditLine"]),
        .executableTarget(name: "rhetor", dependencies: [
            "RhetorKit", "RhetorPlugins", "RhetorREPL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "RhetorKitTests", dependencies: ["RhetorKit"]),
        .testTarget(name: "PluginTests", dependencies: ["RhetorKit", "RhetorPlugins"] + pluginTargets.map { .target(name: $0.name) }),
        .testTarget(name: "RhetorREPLTests", dependencies: ["RhetorKit", "RhetorPlugins", "RhetorREPL"]),
        .testTarget(name: "CLITests", dependencies: ["RhetorKit"]),
        .testTarget(name: "FramingPluginTests", dependencies: ["RhetorKit", "FramingPlugin"], path: "Tests/FramingPluginTests"),
    ] + pluginTargets.map { .target(name: $0.name, dependencies: ["RhetorKit"], path: $0.path, exclude: ["lexicon.tsv"]) }
)
