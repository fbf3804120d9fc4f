import IntakeCore

/// The compiled container section of a mapping.
struct ContainerRule: Sendable {
    var groupBy: Template?
    var name: Template?
    var label: Template?
    var sourceDataIdentifier: Template?
    var description: Template?
    var severity: Template?
    var sensitivity: Template?
    var status: Template?
    var startTime: Template?
    var endTime: Template?
    var dueTime: Template?
    var killChain: Template?
    var owner: Template?
    var tags: Template?
    var data: Template?
    var customFields: Template?
    var locations: [String: String] = [:]
}

/// One compiled entry of a mapping's `artifacts` list.
struct ArtifactRule: Sendable {
    var index: Int
    var name: Template?
    var label: Template?
    var type: Template?
    var severity: Template?
    var sourceDataIdentifier: Template?
    var startTime: Template?
    var endTime: Template?
    var killChain: Template?
    var description: Template?
    var tags: Template?
    var when: Template?
    var forEach: Template?
    var keepEmpty = false
    var cef: [(String, Template)] = []
    var cefTypes = JSONObject()
    var location = ""

    init(index: Int) { self.index = index }
}
