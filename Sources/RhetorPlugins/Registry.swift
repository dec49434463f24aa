import RhetorKit
import StancePlugin
import SectarianPlugin
import ActorRolePlugin
import FramingPlugin

/// Every Swift classifier plugin, in display order. One plain list: `rhetor new-plugin`
/// appends to it, and a test fails when a folder under Plugins/ is missing from it.
public let registeredPlugins: [any ClassifierPlugin.Type] = [
    StancePlugin.self,
    SectarianPlugin.self,
    ActorRolePlugin.self,
    FramingPlugin.self,
]
