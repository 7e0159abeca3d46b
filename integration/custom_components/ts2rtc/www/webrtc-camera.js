var X=globalThis,Q=X.ShadowRoot&&(X.ShadyCSS===void 0||X.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,he=Symbol(),Pe=new WeakMap,D=class{constructor(e,t,i){if(this._$cssResult$=!0,i!==he)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(Q&&e===void 0){let i=t!==void 0&&t.length===1;i&&(e=Pe.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),i&&Pe.set(t,e))}return e}toString(){return this.cssText}},ke=r=>new D(typeof r=="string"?r:r+"",void 0,he),H=(r,...e)=>{let t=r.length===1?r[0]:e.reduce((i,n,s)=>i+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+r[s+1],r[0]);return new D(t,r,he)},Oe=(r,e)=>{if(Q)r.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let i=document.createElement("style"),n=X.litNonce;n!==void 0&&i.setAttribute("nonce",n),i.textContent=t.cssText,r.appendChild(i)}},pe=Q?r=>r:r=>r instanceof CSSStyleSheet?(e=>{let t="";for(let i of e.cssRules)t+=i.cssText;return ke(t)})(r):r;var{is:gt,defineProperty:yt,getOwnPropertyDescriptor:vt,getOwnPropertyNames:bt,getOwnPropertySymbols:_t,getPrototypeOf:wt}=Object,ee=globalThis,Re=ee.trustedTypes,xt=Re?Re.emptyScript:"",$t=ee.reactiveElementPolyfillSupport,j=(r,e)=>r,ue={toAttribute(r,e){switch(e){case Boolean:r=r?xt:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,e){let t=r;switch(e){case Boolean:t=r!==null;break;case Number:t=r===null?null:Number(r);break;case Object:case Array:try{t=JSON.parse(r)}catch{t=null}}return t}},Le=(r,e)=>!gt(r,e),Ne={attribute:!0,type:String,converter:ue,reflect:!1,useDefault:!1,hasChanged:Le};Symbol.metadata??=Symbol("metadata"),ee.litPropertyMetadata??=new WeakMap;var w=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Ne){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let i=Symbol(),n=this.getPropertyDescriptor(e,i,t);n!==void 0&&yt(this.prototype,e,n)}}static getPropertyDescriptor(e,t,i){let{get:n,set:s}=vt(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:n,set(o){let a=n?.call(this);s?.call(this,o),this.requestUpdate(e,a,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Ne}static _$Ei(){if(this.hasOwnProperty(j("elementProperties")))return;let e=wt(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(j("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(j("properties"))){let t=this.properties,i=[...bt(t),..._t(t)];for(let n of i)this.createProperty(n,t[n])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[i,n]of t)this.elementProperties.set(i,n)}this._$Eh=new Map;for(let[t,i]of this.elementProperties){let n=this._$Eu(t,i);n!==void 0&&this._$Eh.set(n,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let i=new Set(e.flat(1/0).reverse());for(let n of i)t.unshift(pe(n))}else e!==void 0&&t.push(pe(e));return t}static _$Eu(e,t){let i=t.attribute;return i===!1?void 0:typeof i=="string"?i:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let i of t.keys())this.hasOwnProperty(i)&&(e.set(i,this[i]),delete this[i]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Oe(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,i){this._$AK(e,i)}_$ET(e,t){let i=this.constructor.elementProperties.get(e),n=this.constructor._$Eu(e,i);if(n!==void 0&&i.reflect===!0){let s=(i.converter?.toAttribute!==void 0?i.converter:ue).toAttribute(t,i.type);this._$Em=e,s==null?this.removeAttribute(n):this.setAttribute(n,s),this._$Em=null}}_$AK(e,t){let i=this.constructor,n=i._$Eh.get(e);if(n!==void 0&&this._$Em!==n){let s=i.getPropertyOptions(n),o=typeof s.converter=="function"?{fromAttribute:s.converter}:s.converter?.fromAttribute!==void 0?s.converter:ue;this._$Em=n;let a=o.fromAttribute(t,s.type);this[n]=a??this._$Ej?.get(n)??a,this._$Em=null}}requestUpdate(e,t,i,n=!1,s){if(e!==void 0){let o=this.constructor;if(n===!1&&(s=this[e]),i??=o.getPropertyOptions(e),!((i.hasChanged??Le)(s,t)||i.useDefault&&i.reflect&&s===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,i))))return;this.C(e,t,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:i,reflect:n,wrapped:s},o){i&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),s!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||i||(t=void 0),this._$AL.set(e,t)),n===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,s]of this._$Ep)this[n]=s;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[n,s]of i){let{wrapped:o}=s,a=this[n];o!==!0||this._$AL.has(n)||a===void 0||this.C(n,void 0,s,a)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(t)):this._$EM()}catch(i){throw e=!1,this._$EM(),i}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};w.elementStyles=[],w.shadowRootOptions={mode:"open"},w[j("elementProperties")]=new Map,w[j("finalized")]=new Map,$t?.({ReactiveElement:w}),(ee.reactiveElementVersions??=[]).push("2.1.2");var _e=globalThis,Ue=r=>r,te=_e.trustedTypes,ze=te?te.createPolicy("lit-html",{createHTML:r=>r}):void 0,Fe="$lit$",$=`lit$${Math.random().toFixed(9).slice(2)}$`,Ve="?"+$,St=`<${Ve}>`,P=document,F=()=>P.createComment(""),V=r=>r===null||typeof r!="object"&&typeof r!="function",we=Array.isArray,Et=r=>we(r)||typeof r?.[Symbol.iterator]=="function",me=`[ 	
\f\r]`,q=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ie=/-->/g,De=/>/g,M=RegExp(`>|${me}(?:([^\\s"'>=/]+)(${me}*=${me}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),He=/'/g,je=/"/g,We=/^(?:script|style|textarea|title)$/i,xe=r=>(e,...t)=>({_$litType$:r,strings:e,values:t}),u=xe(1),f=xe(2),ui=xe(3),k=Symbol.for("lit-noChange"),h=Symbol.for("lit-nothing"),qe=new WeakMap,A=P.createTreeWalker(P,129);function Be(r,e){if(!we(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return ze!==void 0?ze.createHTML(e):e}var Tt=(r,e)=>{let t=r.length-1,i=[],n,s=e===2?"<svg>":e===3?"<math>":"",o=q;for(let a=0;a<t;a++){let c=r[a],l,p,d=-1,g=0;for(;g<c.length&&(o.lastIndex=g,p=o.exec(c),p!==null);)g=o.lastIndex,o===q?p[1]==="!--"?o=Ie:p[1]!==void 0?o=De:p[2]!==void 0?(We.test(p[2])&&(n=RegExp("</"+p[2],"g")),o=M):p[3]!==void 0&&(o=M):o===M?p[0]===">"?(o=n??q,d=-1):p[1]===void 0?d=-2:(d=o.lastIndex-p[2].length,l=p[1],o=p[3]===void 0?M:p[3]==='"'?je:He):o===je||o===He?o=M:o===Ie||o===De?o=q:(o=M,n=void 0);let x=o===M&&r[a+1].startsWith("/>")?" ":"";s+=o===q?c+St:d>=0?(i.push(l),c.slice(0,d)+Fe+c.slice(d)+$+x):c+$+(d===-2?a:x)}return[Be(r,s+(r[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),i]},W=class r{constructor({strings:e,_$litType$:t},i){let n;this.parts=[];let s=0,o=0,a=e.length-1,c=this.parts,[l,p]=Tt(e,t);if(this.el=r.createElement(l,i),A.currentNode=this.el.content,t===2||t===3){let d=this.el.content.firstChild;d.replaceWith(...d.childNodes)}for(;(n=A.nextNode())!==null&&c.length<a;){if(n.nodeType===1){if(n.hasAttributes())for(let d of n.getAttributeNames())if(d.endsWith(Fe)){let g=p[o++],x=n.getAttribute(d).split($),J=/([.?@])?(.*)/.exec(g);c.push({type:1,index:s,name:J[2],strings:x,ctor:J[1]==="."?ge:J[1]==="?"?ye:J[1]==="@"?ve:N}),n.removeAttribute(d)}else d.startsWith($)&&(c.push({type:6,index:s}),n.removeAttribute(d));if(We.test(n.tagName)){let d=n.textContent.split($),g=d.length-1;if(g>0){n.textContent=te?te.emptyScript:"";for(let x=0;x<g;x++)n.append(d[x],F()),A.nextNode(),c.push({type:2,index:++s});n.append(d[g],F())}}}else if(n.nodeType===8)if(n.data===Ve)c.push({type:2,index:s});else{let d=-1;for(;(d=n.data.indexOf($,d+1))!==-1;)c.push({type:7,index:s}),d+=$.length-1}s++}}static createElement(e,t){let i=P.createElement("template");return i.innerHTML=e,i}};function R(r,e,t=r,i){if(e===k)return e;let n=i!==void 0?t._$Co?.[i]:t._$Cl,s=V(e)?void 0:e._$litDirective$;return n?.constructor!==s&&(n?._$AO?.(!1),s===void 0?n=void 0:(n=new s(r),n._$AT(r,t,i)),i!==void 0?(t._$Co??=[])[i]=n:t._$Cl=n),n!==void 0&&(e=R(r,n._$AS(r,e.values),n,i)),e}var fe=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:i}=this._$AD,n=(e?.creationScope??P).importNode(t,!0);A.currentNode=n;let s=A.nextNode(),o=0,a=0,c=i[0];for(;c!==void 0;){if(o===c.index){let l;c.type===2?l=new B(s,s.nextSibling,this,e):c.type===1?l=new c.ctor(s,c.name,c.strings,this,e):c.type===6&&(l=new be(s,this,e)),this._$AV.push(l),c=i[++a]}o!==c?.index&&(s=A.nextNode(),o++)}return A.currentNode=P,n}p(e){let t=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(e,i,t),t+=i.strings.length-2):i._$AI(e[t])),t++}},B=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,i,n){this.type=2,this._$AH=h,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=i,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=R(this,e,t),V(e)?e===h||e==null||e===""?(this._$AH!==h&&this._$AR(),this._$AH=h):e!==this._$AH&&e!==k&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Et(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==h&&V(this._$AH)?this._$AA.nextSibling.data=e:this.T(P.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:i}=e,n=typeof i=="number"?this._$AC(e):(i.el===void 0&&(i.el=W.createElement(Be(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===n)this._$AH.p(t);else{let s=new fe(n,this),o=s.u(this.options);s.p(t),this.T(o),this._$AH=s}}_$AC(e){let t=qe.get(e.strings);return t===void 0&&qe.set(e.strings,t=new W(e)),t}k(e){we(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,i,n=0;for(let s of e)n===t.length?t.push(i=new r(this.O(F()),this.O(F()),this,this.options)):i=t[n],i._$AI(s),n++;n<t.length&&(this._$AR(i&&i._$AB.nextSibling,n),t.length=n)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let i=Ue(e).nextSibling;Ue(e).remove(),e=i}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},N=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,i,n,s){this.type=1,this._$AH=h,this._$AN=void 0,this.element=e,this.name=t,this._$AM=n,this.options=s,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=h}_$AI(e,t=this,i,n){let s=this.strings,o=!1;if(s===void 0)e=R(this,e,t,0),o=!V(e)||e!==this._$AH&&e!==k,o&&(this._$AH=e);else{let a=e,c,l;for(e=s[0],c=0;c<s.length-1;c++)l=R(this,a[i+c],t,c),l===k&&(l=this._$AH[c]),o||=!V(l)||l!==this._$AH[c],l===h?e=h:e!==h&&(e+=(l??"")+s[c+1]),this._$AH[c]=l}o&&!n&&this.j(e)}j(e){e===h?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},ge=class extends N{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===h?void 0:e}},ye=class extends N{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==h)}},ve=class extends N{constructor(e,t,i,n,s){super(e,t,i,n,s),this.type=5}_$AI(e,t=this){if((e=R(this,e,t,0)??h)===k)return;let i=this._$AH,n=e===h&&i!==h||e.capture!==i.capture||e.once!==i.once||e.passive!==i.passive,s=e!==h&&(i===h||n);n&&this.element.removeEventListener(this.name,this,i),s&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},be=class{constructor(e,t,i){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(e){R(this,e)}};var Ct=_e.litHtmlPolyfillSupport;Ct?.(W,B),(_e.litHtmlVersions??=[]).push("3.3.3");var Ge=(r,e,t)=>{let i=t?.renderBefore??e,n=i._$litPart$;if(n===void 0){let s=t?.renderBefore??null;i._$litPart$=n=new B(e.insertBefore(F(),s),s,void 0,t??{})}return n._$AI(r),n};var $e=globalThis,_=class extends w{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ge(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return k}};_._$litElement$=!0,_.finalized=!0,$e.litElementHydrateSupport?.({LitElement:_});var Mt=$e.litElementPolyfillSupport;Mt?.({LitElement:_});($e.litElementVersions??=[]).push("4.2.2");var S=class extends Error{constructor(t,i,n){super(i);this.code=t;this.key=n;this.name="CardConfigError"}},y=class extends Error{constructor(t,i){super(i);this.code=t;this.name="ConnectError"}};var Ke=["webrtc","webrtc/tcp","mse","hls","mp4","mjpeg"],Ze=["video","audio","microphone"],Se="webrtc,mse,hls,mjpeg",Ee="video,audio",ne=.75,Je=["left","right","up","down","zoom_in","zoom_out","home"],Te=["","start_","end_","long_"],At=["type","view_layout","layout_options","grid_options","visibility","card_mod"],Pt=[...At,"url","entity","streams","mode","media","server","title","poster","poster_remote","muted","intersection","ui","style","background","mse","webrtc","digital_ptz","ptz","shortcuts","microphone_muted"],kt=["name","url","entity","mode","media"],Ot=["name","icon","service","service_data","more_info"],Ye=["mouse_drag_pan","mouse_wheel_zoom","mouse_double_click_zoom","touch_pinch_zoom","touch_drag_pan","touch_tap_drag_zoom","persist"],Xe=Te.flatMap(r=>Je.map(e=>`data_${r}${e}`)),Rt=["service","opacity",...Xe];function T(r){return typeof r=="object"&&r!==null&&!Array.isArray(r)}function Nt(r){return r===null?"null":Array.isArray(r)?"a list":typeof r=="object"?"an object":`${typeof r} ${JSON.stringify(r)}`}function m(r,e,t){return new S("CONFIG_INVALID_VALUE",`webrtc-camera: \`${r}\` must be ${e}, not ${Nt(t)}`,r)}function G(r,e,t){for(let i of Object.keys(r)){if(e.includes(i))continue;let n=t?`${t}.${i}`:i,s=Lt(i,e);throw new S("CONFIG_UNKNOWN_KEY",`webrtc-camera: unknown key \`${n}\`${s?` (did you mean \`${s}\`?)`:""}`,n)}}function Lt(r,e){let t,i=Math.min(3,Math.ceil(r.length/2));for(let n of e){let s=Ut(r.toLowerCase(),n);s<i&&(t=n,i=s)}return t}function Ut(r,e){if(Math.abs(r.length-e.length)>2)return 3;let t=Array.from({length:e.length+1},(i,n)=>n);for(let i=1;i<=r.length;i++){let n=[i];for(let s=1;s<=e.length;s++){let o=r[i-1]===e[s-1]?0:1;n.push(Math.min((t[s]??0)+1,(n[s-1]??0)+1,(t[s-1]??0)+o))}t=n}return t[e.length]??0}function v(r,e,t=e){let i=r[e];if(i!=null){if(typeof i=="number")return String(i);if(typeof i!="string")throw m(t,"text",i);return i}}function E(r,e,t,i=e){let n=r[e];if(n==null)return t;if(typeof n!="boolean")throw m(i,"true or false",n);return n}function ie(r,e,t){let i;if(typeof r=="string")i=r.split(",");else if(Array.isArray(r))i=r;else throw m(t,`a comma list of ${e.join(", ")}`,r);let n=[];for(let s of i){let o=typeof s=="string"?s.trim().toLowerCase():s;if(o!==""){if(!e.includes(o))throw new S("CONFIG_INVALID_VALUE",`webrtc-camera: \`${t}\` has unknown item ${JSON.stringify(s)} (known: ${e.join(", ")})`,t);n.includes(o)||n.push(o)}}if(n.length===0)throw m(t,`a comma list of ${e.join(", ")}`,r);return n}function zt(r){let e=v(r,"server");if(e===void 0||e.trim()==="")return;let t=e.trim(),i;try{i=new URL(t)}catch{throw m("server","a URL like http://192.168.1.123:1984/",e)}if(!["http:","https:","ws:","wss:"].includes(i.protocol))throw m("server","an http(s) URL like http://192.168.1.123:1984/",e);return t}function It(r,e,t){let i=r.streams,n=i??[{url:r.url,entity:r.entity}];if(!Array.isArray(n)||n.length===0)throw m("streams","a non-empty list",i);return n.map((s,o)=>{let a=`streams[${o}]`;if(!T(s))throw m(a,"an object with url or entity",s);return G(s,kt,a),{name:v(s,"name",`${a}.name`)??`S${o}`,url:v(s,"url",`${a}.url`)??"",entity:v(s,"entity",`${a}.entity`)??"",modes:s.mode===void 0?e:ie(s.mode,Ke,`${a}.mode`),media:s.media===void 0?t:ie(s.media,Ze,`${a}.media`)}})}function Dt(r){let e=r.intersection;if(e==null)return ne;if(typeof e!="number"||!Number.isFinite(e)||e<0||e>1)throw m("intersection","a number from 0 to 1 (0 = always play)",e);return e}function Ht(r){let e=r.digital_ptz,t={mouse_drag_pan:!0,mouse_wheel_zoom:!0,mouse_double_click_zoom:!0,touch_pinch_zoom:!0,touch_drag_pan:!0,touch_tap_drag_zoom:!0,persist:!0};if(e===!1)return null;if(e==null||e===!0)return t;if(!T(e))throw m("digital_ptz","false or an object",e);G(e,Ye,"digital_ptz");let i={...t};for(let n of Ye)if(n==="persist"){let s=e.persist;if(s==null)continue;if(typeof s!="boolean"&&typeof s!="string")throw m("digital_ptz.persist","true, false or a key",s);i.persist=s}else i[n]=E(e,n,t[n],`digital_ptz.${n}`);return i}function jt(r){let e=r.ptz;if(e==null)return null;if(!T(e))throw m("ptz","an object with service and data_* keys",e);G(e,Rt,"ptz");let t=v(e,"service","ptz.service");if(t!==void 0&&t!==""&&!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(t)&&!t.includes("${"))throw m("ptz.service","a service like onvif.ptz",t);let i=e.opacity,n=.4;if(i!=null){let o=typeof i=="string"?Number.parseFloat(i):i;if(typeof o!="number"||!Number.isFinite(o)||o<0||o>1)throw m("ptz.opacity","a number from 0 to 1",i);n=o}let s={};for(let o of Xe){let a=e[o];if(a!=null){if(!T(a))throw m(`ptz.${o}`,"an object of service data",a);s[o]=a}}return t?{service:t,opacity:n,data:s}:null}function qt(r){let e=r.shortcuts;if(e==null)return[];if(!Array.isArray(e))throw m("shortcuts","a list",e);return e.map((t,i)=>{let n=`shortcuts[${i}]`;if(!T(t))throw m(n,"an object with name, icon and service",t);G(t,Ot,n);let s=v(t,"service",`${n}.service`),o=t.service_data;if(o!=null&&!T(o))throw m(`${n}.service_data`,"an object",o);return{name:v(t,"name",`${n}.name`)??"",icon:v(t,"icon",`${n}.icon`)??"mdi:gesture-tap-button",service:s,service_data:T(o)?o:{},more_info:v(t,"more_info",`${n}.more_info`)}})}function Qe(r){if(!T(r))throw new S("CONFIG_NOT_OBJECT","webrtc-camera: the card config must be an object","");G(r,Pt,"");let e=v(r,"url"),t=v(r,"entity");if(r.streams===void 0&&!e&&!t)throw new S("CONFIG_MISSING_SOURCE","webrtc-camera: missing `url` or `entity` or `streams`","url");let i=E(r,"mse",!0),n=E(r,"webrtc",!0),s=r.mode??(i?n?Se:"mse":"webrtc"),o=ie(s,Ke,"mode"),a=ie(r.media??Ee,Ze,"media"),c=v(r,"poster"),l=r.style;if(l!=null&&typeof l!="string")throw m("style","CSS text",l);let p=v(r,"title")??"";return{streams:It(r,o,a),server:zt(r),title:p,poster:c||void 0,posterRemote:E(r,"poster_remote",!!c&&(c.indexOf("://")>0||c.startsWith("/"))),muted:E(r,"muted",!1),intersection:Dt(r),ui:E(r,"ui",!1),style:typeof l=="string"?l:"",background:E(r,"background",!1),digitalPtz:Ht(r),ptz:jt(r),shortcuts:qt(r),microphoneMuted:E(r,"microphone_muted",!1)}}function et(){return{url:"demo"}}var Ft={mic:f`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M9 21h6"/>`,"mic-off":f`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M9 21h6M4 4l16 16"/>`,fullscreen:f`<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>`,"fullscreen-exit":f`<path d="M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5"/>`,volume:f`<path d="M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>`,"volume-off":f`<path d="M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6"/>`,play:f`<path d="M7 4l13 8-13 8z"/>`,screenshot:f`<path d="M4 7h4l2-3h4l2 3h4v12H4z"/><circle cx="12" cy="13" r="3.5"/>`,pip:f`<rect x="3" y="5" width="18" height="14" rx="1"/><rect x="12" y="12" width="7" height="5"/>`,left:f`<path d="M15 5l-7 7 7 7"/>`,right:f`<path d="M9 5l7 7-7 7"/>`,up:f`<path d="M5 15l7-7 7 7"/>`,down:f`<path d="M5 9l7 7 7-7"/>`,zoom_in:f`<path d="M12 5v14M5 12h14"/>`,zoom_out:f`<path d="M5 12h14"/>`,home:f`<path d="M4 11l8-7 8 7M6 9.5V20h12V9.5"/>`,alert:f`<path d="M12 3l10 18H2zM12 10v5M12 17.5v.5"/>`};function b(r){return u`<svg
    class="icon"
    viewBox="0 0 24 24"
    width="24"
    height="24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
  >
    ${Ft[r]}
  </svg>`}function re(r){return typeof r=="string"?r.includes("${"):r==null?!1:JSON.stringify(r).includes("${")}function Ce(r,e){if(!r.includes("${"))return r;try{let t=new Function("states",`return \`${r.replace(/`/g,"\\`")}\`;`);return String(t.call({streamName:e.streamName,streamID:e.streamID},e.states))}catch(t){return console.debug("webrtc-camera: template",t),r}}function L(r,e){if(!re(r))return r;if(typeof r=="string")return Ce(r,e);if(Array.isArray(r))return r.map(t=>L(t,e));if(typeof r=="object"&&r!==null){let t={};for(let[i,n]of Object.entries(r))t[i]=L(n,e);return t}return r}var Vt=400;function Me(r,e){return e.some(t=>Te.some(i=>r.data[`data_${i}${t}`]!==void 0))}function Ae(r,e,t,i){let n=e.data[t];if(!r||!n)return;let s=L(e.service,i),[o,a]=s.split(".",2);!o||!a||r.callService(o,a,L(n,i)).catch(c=>console.warn("webrtc-camera: ptz",c))}function tt(r,e,t){if(!r)return h;let i=c=>l=>{l.preventDefault(),Ae(e,r,`data_start_${c}`,t());let p=d=>{window.removeEventListener("pointerup",p),window.removeEventListener("pointercancel",p),Ae(e,r,`data_end_${c}`,t());let g=d.timeStamp-l.timeStamp>Vt;Ae(e,r,g?`data_long_${c}`:`data_${c}`,t())};window.addEventListener("pointerup",p),window.addEventListener("pointercancel",p)},n=c=>u`<button class="icon-button ${c}" title=${c.replace("_"," ")} @pointerdown=${i(c)}>${b(c)}</button>`,s=Me(r,["left","right","up","down"]),o=Me(r,["zoom_in","zoom_out"]),a=Me(r,["home"]);return u`<div class="ptz" style="opacity: ${r.opacity}">
    ${s?u`<div class="ptz-move">${["up","down","left","right"].map(n)}</div>`:h}
    ${o?u`<div class="ptz-zoom">${n("zoom_out")}${n("zoom_in")}</div>`:h}
    ${a?u`<div class="ptz-home">${n("home")}</div>`:h}
  </div>`}function it(r,e,t,i){if(r.length===0)return h;let n=L(r,t),s=a=>()=>{if(a.more_info!==void 0&&i.dispatchEvent(new CustomEvent("hass-more-info",{bubbles:!0,composed:!0,detail:{entityId:a.more_info}})),a.service&&e){let[c,l]=a.service.split(".",2);c&&l&&e.callService(c,l,a.service_data).catch(p=>console.warn("webrtc-camera: shortcut",p))}},o=customElements.get("ha-icon")!==void 0;return u`<div class="shortcuts">
    ${n.map(a=>o?u`<ha-icon icon=${a.icon} title=${a.name} @click=${s(a)}></ha-icon>`:u`<span class="shortcut" title=${a.name} @click=${s(a)}>${a.name||a.icon}</span>`)}
  </div>`}var se=class{constructor(e,t,i,n){this.container=e;this.target=t;this.options=i;this.persistKey=n;this.scale=1;this.x=0;this.y=0;this.pointers=new Map;this.lastTap=0;this.off=[];this.restore(),this.listen("wheel",s=>this.onWheel(s),{passive:!1}),this.listen("dblclick",s=>this.onDoubleClick(s)),this.listen("pointerdown",s=>this.onDown(s)),this.listen("pointermove",s=>this.onMove(s));for(let s of["pointerup","pointercancel","pointerleave"])this.listen(s,o=>this.pointers.delete(o.pointerId));this.render()}listen(e,t,i){this.container.addEventListener(e,t,i),this.off.push(()=>this.container.removeEventListener(e,t))}storageKey(){return`webrtc-camera:digital-ptz:${typeof this.options.persist=="string"?this.options.persist:this.persistKey}`}restore(){if(this.options.persist!==!1)try{let e=JSON.parse(localStorage.getItem(this.storageKey())??"null");e&&typeof e.scale=="number"&&(this.scale=e.scale,this.x=e.x??0,this.y=e.y??0)}catch{}}save(){if(this.options.persist!==!1)try{localStorage.setItem(this.storageKey(),JSON.stringify({scale:this.scale,x:this.x,y:this.y}))}catch{}}zoomAt(e,t,i){let n=Math.min(10,Math.max(1,this.scale*e)),s=n/this.scale;this.x=t-(t-this.x)*s,this.y=i-(i-this.y)*s,this.scale=n,this.clamp(),this.render()}clamp(){let e=this.container.clientWidth,t=this.container.clientHeight;this.x=Math.min(0,Math.max(e-e*this.scale,this.x)),this.y=Math.min(0,Math.max(t-t*this.scale,this.y))}render(){this.target.style.transform=this.scale===1?"":`translate(${this.x}px, ${this.y}px) scale(${this.scale})`,this.save()}point(e){let t=this.container.getBoundingClientRect();return[e.clientX-t.left,e.clientY-t.top]}onWheel(e){if(!this.options.mouse_wheel_zoom)return;e.preventDefault();let[t,i]=this.point(e);this.zoomAt(Math.exp(-e.deltaY/300),t,i)}onDoubleClick(e){if(!this.options.mouse_double_click_zoom)return;let[t,i]=this.point(e);this.zoomAt(this.scale>1?1/this.scale:2,t,i)}onDown(e){if(e.target?.closest?.("button, .ptz, .shortcuts, .controls"))return;let t=e.pointerType==="touch";if(t&&this.options.touch_tap_drag_zoom&&e.timeStamp-this.lastTap<300){let[i,n]=this.point(e);this.zoomAt(this.scale>1?1/this.scale:2,i,n)}t&&(this.lastTap=e.timeStamp),this.pointers.set(e.pointerId,{x:e.clientX,y:e.clientY})}onMove(e){let t=this.pointers.get(e.pointerId);if(!t)return;let i=e.pointerType==="touch";if(this.pointers.size===2&&i&&this.options.touch_pinch_zoom){let n=[...this.pointers.entries()].find(([s])=>s!==e.pointerId)?.[1];if(n){let s=Math.hypot(t.x-n.x,t.y-n.y),o=Math.hypot(e.clientX-n.x,e.clientY-n.y),a=this.container.getBoundingClientRect();s>0&&this.zoomAt(o/s,(e.clientX+n.x)/2-a.left,(e.clientY+n.y)/2-a.top)}}else this.pointers.size===1&&this.scale>1&&(i?this.options.touch_drag_pan:this.options.mouse_drag_pan)&&(this.x+=e.clientX-t.x,this.y+=e.clientY-t.y,this.clamp(),this.render());this.pointers.set(e.pointerId,{x:e.clientX,y:e.clientY})}destroy(){for(let e of this.off)e();this.off.length=0,this.target.style.transform=""}};function nt(r,e){return typeof r.hassUrl=="function"?r.hassUrl(e):new URL(e,location.origin).toString()}var oe=class{constructor(e=300){this.holdMs=e;this.pressedAt=-1;this.wasOn=!1}press(e,t){return this.pressedAt=e,this.wasOn=t,!0}release(e){if(this.pressedAt<0)return;let t=e-this.pressedAt>=this.holdMs;return this.pressedAt=-1,t?this.wasOn:!this.wasOn}get pressed(){return this.pressedAt>=0}};function C(r,e){if(r.type!=="error")return!1;let t=String(r.value??"");return e.some(i=>t.startsWith(`${i}:`)||t.startsWith(`${i} `))}function U(r){return typeof r.getVideoPlaybackQuality=="function"?r.getVideoPlaybackQuality().totalVideoFrames:0}function z(r,e){let t=!1,i=()=>{t||(t=!0,e())};if("requestVideoFrameCallback"in r){let s=r.requestVideoFrameCallback(()=>i());return()=>{t=!0,r.cancelVideoFrameCallback(s)}}let n=()=>i();return r.addEventListener("loadeddata",n,{once:!0}),()=>{t=!0,r.removeEventListener("loadeddata",n)}}var Wt=5e3,Bt=["avc1.640029","avc1.64002A","avc1.640033","hvc1.1.6.L153.B0","mp4a.40.2","mp4a.40.5","flac"];function rt(r){return r.canPlayType("application/vnd.apple.mpegurl")!==""}var ae=class{constructor(e,t,i){this.ctx=e;this.media=t;this.wsUrl=i;this.name="hls";this.label="HLS";this.cancelFrame=null;this.timer=0}start(){let e=this.ctx.video,t=Bt.filter(i=>i.startsWith("avc1")||i.startsWith("hvc1")?this.media.includes("video"):this.media.includes("audio")).filter(i=>e.canPlayType(`video/mp4; codecs="${i}"`)!=="");this.cancelFrame=z(e,()=>this.ctx.playing()),this.ctx.send({type:"hls",value:t.join(",")}),this.timer=window.setTimeout(()=>this.ctx.failed("hls: no answer from the server"),Wt)}onMessage(e){if(e.type==="hls"){window.clearTimeout(this.timer);let t=this.wsUrl.replace(/^ws/,"http").replace(/\/ws\?.*$/,"/hls/").replace(/\/ws$/,"/hls/"),i=String(e.value).replace(/^hls\//gm,t);this.ctx.video.src=`data:application/vnd.apple.mpegurl;base64,${btoa(i)}`,this.ctx.play()}else C(e,["hls"])&&this.ctx.failed(String(e.value))}onBinary(){}async frames(){return U(this.ctx.video)}stop(){window.clearTimeout(this.timer),this.cancelFrame?.(),this.ctx.video.removeAttribute("src"),this.ctx.video.load()}};var ce=class{constructor(e){this.ctx=e;this.name="mjpeg";this.label="MJPEG";this.shown="";this.count=0;this.decoding=!1;this.timer=0}start(){this.ctx.image.hidden=!1,this.ctx.video.hidden=!0,this.ctx.send({type:"mjpeg"}),this.timer=window.setTimeout(()=>{this.count===0&&this.ctx.failed("mjpeg: no picture")},2e4)}onMessage(e){C(e,["mjpeg"])&&this.ctx.failed(String(e.value))}onBinary(e){if(this.decoding)return;let t=URL.createObjectURL(new Blob([e],{type:"image/jpeg"})),i=this.ctx.image;this.decoding=!0,i.src=t,i.decode().then(()=>{this.count++,this.count===1&&this.ctx.playing()}).catch(()=>{}).finally(()=>{this.decoding=!1,this.shown&&URL.revokeObjectURL(this.shown),this.shown=t})}async frames(){return this.count}stop(){window.clearTimeout(this.timer),this.shown&&URL.revokeObjectURL(this.shown),this.shown="",this.ctx.image.removeAttribute("src"),this.ctx.image.hidden=!0,this.ctx.video.hidden=!1}};var Gt=["avc1.640029","avc1.64002A","avc1.640033","hvc1.1.6.L153.B0","mp4a.40.2","mp4a.40.5","flac","opus"],Yt=2,Kt=10,Zt=16*1024*1024,Jt=15e3;function st(){let r=window;return r.ManagedMediaSource??r.MediaSource}function ot(){return st()!==void 0}var Y=class{constructor(e,t){this.ctx=e;this.media=t;this.name="mse";this.label="MSE";this.source=null;this.buffer=null;this.objectUrl="";this.pending=[];this.pendingBytes=0;this.isPlaying=!1;this.timer=0;this.cancelFrame=null;this.mime=""}start(){let e=st();if(!e){this.ctx.failed("mse: not supported by this browser");return}let t=new e;this.source=t;let i=this.ctx.video,n=this.media.includes("video"),s=this.media.includes("audio");t.addEventListener("sourceopen",()=>{let o=Gt.filter(a=>a.startsWith("avc1")||a.startsWith("hvc1")?n:s).filter(a=>e.isTypeSupported(`video/mp4; codecs="${a}"`));this.ctx.send({type:"mse",value:o.join(",")})},{once:!0}),"ManagedMediaSource"in window?(i.disableRemotePlayback=!0,i.srcObject=t):(this.objectUrl=URL.createObjectURL(t),i.src=this.objectUrl),this.cancelFrame=z(i,()=>{this.isPlaying=!0,window.clearTimeout(this.timer),this.ctx.playing()}),this.ctx.play()}onMessage(e){if(e.type==="mse"&&!this.buffer&&this.source){this.mime=String(e.value);try{this.buffer=this.source.addSourceBuffer(this.mime)}catch(t){this.ctx.failed(`mse: ${t instanceof Error?t.message:String(t)}`);return}this.buffer.mode="segments",this.buffer.addEventListener("updateend",()=>this.afterAppend()),this.timer=window.setTimeout(()=>{this.isPlaying||this.ctx.failed("mse: no picture")},Jt)}else C(e,["mse"])&&this.ctx.failed(String(e.value))}onBinary(e){if(this.buffer){if(this.pending.push(new Uint8Array(e)),this.pendingBytes+=e.byteLength,this.pendingBytes>Zt){this.ctx.dropped("mse: this device cannot keep up with the stream");return}this.pump()}}pump(){let e=this.buffer;if(!e||e.updating||this.pending.length===0)return;let t=this.pending.length===1?this.pending[0]:Xt(this.pending);this.pending=[],this.pendingBytes=0;try{e.appendBuffer(t)}catch{this.trim(!0)}}afterAppend(){let e=this.buffer;e&&(this.followLive(e),e.updating||this.trim(!1),this.pump())}followLive(e){let t=this.ctx.video,i=e.buffered;if(i.length===0)return;let n=i.start(0),s=i.end(i.length-1);t.currentTime<n?t.currentTime=n:s-t.currentTime>Yt&&(t.currentTime=Math.max(n,s-.5)),t.playbackRate=s-t.currentTime>.5?1.1:1,t.paused&&t.readyState>=2&&this.ctx.play()}trim(e){let t=this.buffer;if(!t||t.updating||t.buffered.length===0)return;let i=this.ctx.video.currentTime-(e?1:Kt),n=t.buffered.start(0);i-n>(e?0:5)&&t.remove(n,i)}async frames(){return U(this.ctx.video)}stop(){window.clearTimeout(this.timer),this.cancelFrame?.(),this.pending=[],this.buffer=null;let e=this.ctx.video;e.removeAttribute("src"),e.srcObject=null,e.load(),this.objectUrl&&URL.revokeObjectURL(this.objectUrl),this.objectUrl="",this.source=null}};function Xt(r){let e=0;for(let n of r)e+=n.byteLength;let t=new Uint8Array(e),i=0;for(let n of r)t.set(n,i),i+=n.byteLength;return t}function at(r){let e=r.map(s=>s.replace(/^(webrtc\/offer|webrtc\/candidate|webrtc|mse|hls|mjpeg|mp4): /,"")),t=new Map;for(let s of e)t.set(s,(t.get(s)??0)+1);let i="",n=0;for(let[s,o]of t)o>n&&(i=s,n=o);return n>1||t.size===1?i:r[0]??""}var Qt=1e4,K=class{constructor(e,t,i,n,s){this.ctx=e;this.media=t;this.tcpOnly=i;this.micStartsMuted=n;this.onMicChange=s;this.name="webrtc";this.label="RTC";this.pc=null;this.mic=null;this.micError="";this.isPlaying=!1;this.timer=0;this.cancelFrame=null;this.stopped=!1}async start(){let e=new RTCPeerConnection({bundlePolicy:"max-bundle",iceServers:[]});this.pc=e;let t=this.ctx.video;if(e.addEventListener("icecandidate",n=>{n.candidate&&this.tcpOnly&&n.candidate.protocol==="udp"||this.ctx.send({type:"webrtc/candidate",value:n.candidate?n.candidate.candidate:""})}),e.addEventListener("track",n=>{let s=n.streams[0]??new MediaStream([n.track]);if(t.srcObject instanceof MediaStream&&t.srcObject!==s){t.srcObject.getTracks().includes(n.track)||t.srcObject.addTrack(n.track);return}t.srcObject=s,this.ctx.play()}),e.addEventListener("connectionstatechange",()=>{let n=e.connectionState;n!=="failed"&&n!=="disconnected"&&n!=="closed"||this.stopped||(this.isPlaying?this.ctx.dropped(`webrtc: connection ${n}`):this.ctx.failed(`webrtc: connection ${n}`))}),this.cancelFrame=z(t,()=>{this.isPlaying=!0,window.clearTimeout(this.timer),this.ctx.playing()}),this.timer=window.setTimeout(()=>{!this.isPlaying&&!this.stopped&&this.ctx.failed("webrtc: no picture (no network path to the server?)")},Qt),this.media.includes("microphone")&&await this.addMicrophone(e),this.stopped)return;this.media.includes("video")&&e.addTransceiver("video",{direction:"recvonly"}),this.media.includes("audio")&&e.addTransceiver("audio",{direction:"recvonly"});let i=await e.createOffer();await e.setLocalDescription(i),!this.stopped&&this.ctx.send({type:"webrtc/offer",value:i.sdp})}async addMicrophone(e){if(!navigator.mediaDevices?.getUserMedia)this.micError="microphone needs Home Assistant over HTTPS";else try{this.mic=await navigator.mediaDevices.getUserMedia({audio:!0})}catch(t){this.micError=`microphone: ${t instanceof Error?t.message:String(t)}`}if(this.stopped){this.releaseMic();return}if(this.mic)for(let t of this.mic.getAudioTracks())t.enabled=!this.micStartsMuted,e.addTransceiver(t,{direction:"sendonly"});this.reportMic()}onMessage(e){let t=this.pc;if(t)if(e.type==="webrtc/answer")t.setRemoteDescription({type:"answer",sdp:String(e.value)}).catch(i=>{this.ctx.failed(`webrtc: ${i instanceof Error?i.message:String(i)}`)});else if(e.type==="webrtc/candidate"){let i=String(e.value??"");if(i===""||this.tcpOnly&&i.includes(" udp "))return;t.addIceCandidate({candidate:i,sdpMid:"0"}).catch(()=>{})}else C(e,["webrtc/offer","webrtc/candidate","webrtc"])&&this.ctx.failed(String(e.value))}onBinary(){}setMicrophone(e){if(this.mic){for(let t of this.mic.getAudioTracks())t.enabled=e;this.reportMic()}}microphone(){let e=this.mic?.getAudioTracks()[0];return{available:!!e,on:!!e&&e.enabled,error:this.micError}}reportMic(){this.onMicChange(this.microphone())}async frames(){let e=-1;return(await this.pc?.getStats().catch(()=>null))?.forEach(i=>{i.type==="inbound-rtp"&&i.kind==="video"&&(e=i.framesDecoded??0)}),e>=0?e:U(this.ctx.video)}releaseMic(){if(this.mic)for(let e of this.mic.getTracks())e.stop();this.mic=null}stop(){this.stopped=!0,window.clearTimeout(this.timer),this.cancelFrame?.(),this.releaseMic(),this.reportMic(),this.pc?.close(),this.pc=null;let e=this.ctx.video;e.srcObject=null}};var ct=[500,1e3,2e3,3e3,5e3],ei=1e4,lt={available:!1,on:!1,error:""},le=class{constructor(e,t){this.onStatus=e;this.status={phase:"idle",label:"",error:"",retrying:!1,microphone:lt};this.times={connectAt:0,openAt:0,firstFrameAt:0};this.connections=0;this.options=null;this.ws=null;this.queue=[];this.reasons=[];this.technique=null;this.attempt=0;this.reconnectTimer=0;this.openTimer=0;this.generation=0;this.video=document.createElement("video"),this.video.playsInline=!0,this.video.muted=t,this.video.autoplay=!0,this.image=document.createElement("img"),this.image.hidden=!0,this.image.alt=""}play(e){this.options=e,this.attempt=0,this.connect()}pause(){this.teardown(),this.setStatus({phase:"paused"})}get active(){return this.status.phase!=="idle"&&this.status.phase!=="paused"}get socketOpen(){return this.ws?.readyState===WebSocket.OPEN}async frames(){return this.technique?this.technique.frames():0}get mse(){return this.technique instanceof Y?this.technique:null}setMicrophone(e){this.technique instanceof K&&this.technique.setMicrophone(e)}setStatus(e){this.status={...this.status,...e},this.onStatus(this.status)}teardown(){this.generation++,window.clearTimeout(this.reconnectTimer),window.clearTimeout(this.openTimer),this.technique?.stop(),this.technique=null,this.queue=[];let e=this.ws;this.ws=null,e&&(e.onclose=null,e.close())}async connect(){let e=this.options;if(!e)return;this.teardown();let t=this.generation;this.times.connectAt=performance.now(),this.times.openAt=0,this.times.firstFrameAt=0,this.setStatus({phase:this.attempt>0?"reconnecting":"connecting",label:""});let i;try{i=await e.resolveUrl()}catch(s){if(t!==this.generation)return;let o=s instanceof Error?s.message:String(s);if(s instanceof y&&s.code==="CONNECT_NOTHING_TO_PLAY"){this.setStatus({phase:"poster",label:"IMG",error:"",retrying:!1});return}if(s instanceof y&&s.code!=="CONNECT_SIGN_FAILED"){this.setStatus({phase:"error",error:o,retrying:!1});return}this.retry(o);return}if(t!==this.generation)return;let n=new WebSocket(i);n.binaryType="arraybuffer",this.ws=n,this.connections++,this.openTimer=window.setTimeout(()=>{t===this.generation&&n.readyState!==WebSocket.OPEN&&this.retry("the server does not answer")},ei),n.onopen=()=>{t===this.generation&&(window.clearTimeout(this.openTimer),this.times.openAt=performance.now(),this.setStatus({phase:"loading"}),this.queue=this.techniqueOrder(e),this.reasons=[],this.next(""))},n.onmessage=s=>{if(t===this.generation)if(typeof s.data=="string"){let o;try{o=JSON.parse(s.data)}catch{return}if(this.technique?.onMessage(o),o.type==="error"&&this.technique&&this.status.phase!=="playing"){let a=String(o.value??"");this.claimsError(a)||this.fail(a)}}else s.data instanceof ArrayBuffer&&this.technique?.onBinary(s.data)},n.onclose=s=>{t===this.generation&&this.retry(this.status.error||(s.code===1e3?"the server closed the stream":"connection lost"))}}claimsError(e){return["webrtc","mse","hls","mjpeg","mp4"].some(t=>e.startsWith(t))}techniqueOrder(e){let t=e.modes,i=[];return(t.includes("webrtc")||t.includes("webrtc/tcp"))&&"RTCPeerConnection"in window&&i.push("webrtc"),t.includes("mse")&&ot()&&i.push("mse"),t.includes("hls")&&rt(this.video)&&i.push("hls"),t.includes("mjpeg")&&e.media.includes("video")&&i.push("mjpeg"),i}createTechnique(e,t,i,n){switch(e){case"webrtc":return new K(i,t.media,!t.modes.includes("webrtc"),t.micStartsMuted,s=>this.setStatus({microphone:s}));case"mse":return new Y(i,t.media);case"hls":return new ae(i,t.media,n);case"mjpeg":return new ce(i)}}next(e){let t=this.options,i=this.ws;if(!t||!i)return;this.technique?.stop(),this.technique=null,e&&this.reasons.push(e);let n=this.queue.shift();if(!n){this.fail(at(this.reasons)||"this browser can play none of the configured modes");return}let s=this.generation,o=null,a={video:this.video,image:this.image,send:c=>{s===this.generation&&i.readyState===WebSocket.OPEN&&i.send(JSON.stringify(c))},playing:()=>{s!==this.generation||this.technique!==o||(this.times.firstFrameAt=performance.now(),this.attempt=0,this.setStatus({phase:"playing",label:o?.label??"",error:"",retrying:!1}))},failed:c=>{s!==this.generation||this.technique!==o||this.next(c)},dropped:c=>{s!==this.generation||this.technique!==o||this.retry(c)},play:()=>this.startVideo()};o=this.createTechnique(n,t,a,i.url),this.technique=o,this.setStatus({label:o.label}),Promise.resolve(o.start()).catch(c=>a.failed(`${n}: ${c instanceof Error?c.message:String(c)}`))}fail(e){this.retry(e,"error")}retry(e,t="reconnecting"){this.teardown();let i=ct[Math.min(this.attempt,ct.length-1)]??1e4;this.attempt++,this.setStatus({phase:t,error:e,retrying:!0,label:"",microphone:lt}),this.reconnectTimer=window.setTimeout(()=>{this.connect()},i)}startVideo(){let e=this.video;e.play().catch(t=>{t instanceof DOMException&&t.name==="NotAllowedError"&&!e.muted&&(e.muted=!0,e.play().catch(()=>{}))})}destroy(){this.teardown(),this.options=null}};var ti="/api/ts2rtc/ws",ii="/api/webrtc/ws";function dt(r,e,t){if(!e.url&&!e.entity)throw new y("CONNECT_NOTHING_TO_PLAY","nothing to play: this stream has no url or entity");let i=r??[];if(i.includes("ts2rtc"))return{kind:"proxy",integration:"ts2rtc",path:ti};if(i.includes("webrtc"))return{kind:"proxy",integration:"webrtc",path:ii};if(e.entity)throw new y("CONNECT_ENTITY_NEEDS_INTEGRATION",`entity ${e.entity} needs the ts2rtc integration (or AlexxIT's WebRTC) to find the camera's stream; install it, or use url: with server:`);if(!t)throw new y("CONNECT_NO_SERVER","no ts2rtc integration found: install it, or set server: to your ts2rtc/go2rtc address (e.g. http://192.168.1.10:1984)");return{kind:"direct",wsUrl:ni(t,e.url)}}function ni(r,e){let t=new URL(r.endsWith("/")?r:`${r}/`),i=new URL("api/ws",t);return i.protocol=i.protocol==="https:"||i.protocol==="wss:"?"wss:":"ws:",i.searchParams.set("src",e),i.toString()}function ht(r,e,t){let i=r.replace(/^http/,"ws"),n=i.includes("?")?"&":"?";return i+=e.entity?`${n}entity=${encodeURIComponent(e.entity)}`:`${n}url=${encodeURIComponent(e.url)}`,t&&(i+=`&server=${encodeURIComponent(t)}`),i}function pt(r,e,t,i,n){if(r){if(e)return r;if(t.kind==="proxy"&&i)return`${i}&poster=${encodeURIComponent(r)}`;if(t.kind==="direct"&&n){let s=new URL("api/frame.jpeg",new URL(n.endsWith("/")?n:`${n}/`));return s.protocol=s.protocol==="wss:"?"https:":s.protocol==="ws:"?"http:":s.protocol,s.searchParams.set("src",r),s.toString()}}}var ut=H`
  :host {
    display: block;
  }
  ha-card {
    display: block;
    width: 100%;
    height: 100%;
    margin: auto;
    overflow: hidden;
    position: relative;
    border-radius: var(--ha-card-border-radius, 12px);
    background: var(--ha-card-background, var(--card-background-color, #000));
  }
  .player {
    background-color: black;
    height: 100%;
    position: relative;
    overflow: hidden;
  }
  .ptz-transform {
    height: 100%;
    transform-origin: 0 0;
  }
  video,
  img.mjpeg {
    display: block;
    width: 100%;
    height: 100%;
    aspect-ratio: auto 16 / 9;
    object-fit: contain;
    background: black;
  }
  video[hidden],
  img[hidden] {
    display: none;
  }
  .header {
    position: absolute;
    top: 6px;
    left: 10px;
    right: 10px;
    color: white;
    display: flex;
    justify-content: space-between;
    pointer-events: none;
    font: 14px/1.4 var(--paper-font-body1_-_font-family, Roboto, 'Noto Sans', sans-serif);
    text-shadow: 0 0 3px rgba(0, 0, 0, 0.9);
  }
  .mode {
    cursor: pointer;
    opacity: 0.6;
    pointer-events: auto;
  }
  .message {
    position: absolute;
    left: 12px;
    right: 12px;
    bottom: 56px;
    display: flex;
    gap: 8px;
    align-items: flex-start;
    padding: 8px 12px;
    border-radius: 8px;
    background: rgba(0, 0, 0, 0.72);
    color: #fff;
    font: 13px/1.4 var(--paper-font-body1_-_font-family, Roboto, 'Noto Sans', sans-serif);
    pointer-events: none;
  }
  .message.error {
    top: 50%;
    bottom: auto;
    left: 50%;
    right: auto;
    width: max-content;
    max-width: calc(100% - 48px);
    transform: translate(-50%, -50%);
    padding: 12px 16px;
    background: rgba(48, 48, 48, 0.94);
    border: 1px solid rgba(255, 255, 255, 0.14);
    font-size: 14px;
  }
  .message.error .icon {
    color: var(--error-color, #db4437);
    flex: none;
  }
  .message.info {
    left: auto;
    right: 50%;
    transform: translateX(50%);
    bottom: auto;
    top: 42%;
  }
  .spinner {
    width: 18px;
    height: 18px;
    border: 2px solid rgba(255, 255, 255, 0.3);
    border-top-color: #fff;
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
    flex: none;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  button.icon-button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 40px;
    height: 40px;
    padding: 0;
    border: none;
    border-radius: 50%;
    background: rgba(0, 0, 0, 0.35);
    color: white;
    cursor: pointer;
    touch-action: none;
    user-select: none;
    -webkit-user-select: none;
  }
  button.icon-button:hover {
    background: rgba(0, 0, 0, 0.55);
  }
  .microphone {
    position: absolute;
    right: 12px;
    bottom: 12px;
    width: 48px;
    height: 48px;
  }
  .microphone.on {
    background: var(--error-color, #db4437);
    box-shadow: 0 0 0 4px rgba(219, 68, 55, 0.35);
  }
  .microphone.unavailable {
    opacity: 0.45;
  }
  .ui .controls {
    position: absolute;
    left: 5px;
    right: 5px;
    bottom: 5px;
    display: flex;
    align-items: center;
    gap: 4px;
  }
  .ui.with-mic .controls {
    right: 68px;
  }
  .space {
    flex: 1;
  }
  .stream {
    padding: 0 6px;
    font: 500 16px/1 var(--paper-font-body1_-_font-family, Roboto, sans-serif);
    color: white;
    cursor: pointer;
  }
  .ptz {
    position: absolute;
    top: 50%;
    right: 10px;
    transform: translateY(-50%);
    display: flex;
    flex-direction: column;
    gap: 10px;
    transition: opacity 0.3s ease-in-out;
  }
  .ptz:hover {
    opacity: 1 !important;
  }
  .ptz-move {
    position: relative;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 50%;
    width: 96px;
    height: 96px;
  }
  .ptz-zoom {
    position: relative;
    width: 96px;
    height: 40px;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 4px;
  }
  .ptz-home {
    position: relative;
    width: 40px;
    height: 40px;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 4px;
    align-self: center;
  }
  .ptz button {
    position: absolute;
    width: 32px;
    height: 32px;
    background: transparent;
  }
  .ptz .up {
    top: 2px;
    left: 50%;
    transform: translateX(-50%);
  }
  .ptz .down {
    bottom: 2px;
    left: 50%;
    transform: translateX(-50%);
  }
  .ptz .left {
    left: 2px;
    top: 50%;
    transform: translateY(-50%);
  }
  .ptz .right {
    right: 2px;
    top: 50%;
    transform: translateY(-50%);
  }
  .ptz .zoom_out {
    left: 4px;
    top: 4px;
  }
  .ptz .zoom_in {
    right: 4px;
    top: 4px;
  }
  .ptz .home {
    left: 4px;
    top: 4px;
  }
  .shortcuts {
    position: absolute;
    top: 30px;
    left: 5px;
    display: flex;
    gap: 4px;
    color: white;
  }
  .shortcuts ha-icon,
  .shortcuts .shortcut {
    cursor: pointer;
  }
  .shortcut {
    min-width: 24px;
    padding: 2px 6px;
    border-radius: 4px;
    background: rgba(0, 0, 0, 0.35);
    font: 12px/20px sans-serif;
  }
`;function ri(r){if(!r.videoWidth)return;let e=document.createElement("canvas");e.width=r.videoWidth,e.height=r.videoHeight,e.getContext("2d")?.drawImage(r,0,0);let t=document.createElement("a");t.href=e.toDataURL("image/jpeg"),t.download=`snapshot_${new Date().toISOString().slice(0,19).replace(/[-:]/g,"")}.jpeg`,t.click()}function mt(r){let e=r.video,t=()=>{(r.fullscreen?document.exitFullscreen():r.host.requestFullscreen()).catch(()=>{})};return u`<div class="ui ${r.withMic?"with-mic":""}">
    <div class="controls">
      <button class="icon-button fullscreen" title="Fullscreen" @click=${t}>
        ${b(r.fullscreen?"fullscreen-exit":"fullscreen")}
      </button>
      <button class="icon-button screenshot" title="Save a picture" @click=${()=>ri(e)}>
        ${b("screenshot")}
      </button>
      ${"requestPictureInPicture"in e?u`<button
              class="icon-button pictureinpicture"
              title="Picture in picture"
              @click=${()=>e.requestPictureInPicture().catch(()=>{})}
            >
              ${b("pip")}
            </button>`:h}
      ${r.streamName!==void 0?u`<span class="stream" @click=${()=>r.nextStream()}>${r.streamName}</span>`:h}
      <span class="space"></span>
      ${e.paused&&r.playing?u`<button class="icon-button play" title="Play" @click=${()=>{e.play().catch(()=>{})}}>${b("play")}</button>`:h}
      <button
        class="icon-button volume"
        title=${r.muted?"Unmute":"Mute"}
        @click=${()=>e.muted=!e.muted}
      >
        ${b(r.muted?"volume-off":"volume")}
      </button>
    </div>
  </div>`}var si=5e3,de="ts2rtc-webrtc-camera-editor",Z=class extends _{constructor(){super();this.config=null;this.rawConfig={};this.player=null;this.inView=!0;this.pageVisible=!0;this.hiddenTimer=0;this.observer=null;this.digitalPtz=null;this.mic=new oe;this.ownStyle=Object.assign(document.createElement("style"),{textContent:ut.cssText});this.userStyle=document.createElement("style");this.onVisibility=()=>this.visibilityChanged();this.onFullscreen=()=>{this.fullscreen=document.fullscreenElement===this};this.status={phase:"idle",label:"",error:"",retrying:!1,microphone:{available:!1,on:!1,error:""}},this.streamIndex=0,this.fullscreen=!1,this.muted=!1}setConfig(t){let i=Qe(t);this.rawConfig=t,this.config=i,this.streamIndex=0,this.muted=i.muted,this.player?.destroy(),this.player=null,this.digitalPtz?.destroy(),this.digitalPtz=null,this.setupObserver(),this.updatePlayback(),this.requestUpdate()}set hass(t){let i=this._hass===void 0;this._hass=t,i&&this.updatePlayback(),(i||re(this.rawConfig.style)||re(this.rawConfig.shortcuts))&&this.requestUpdate()}get hass(){return this._hass}getCardSize(){return 5}getGridOptions(){return{columns:12,min_columns:4,min_rows:3}}static getConfigElement(){return document.createElement(de)}static getStubConfig(){return et()}connectedCallback(){super.connectedCallback(),document.addEventListener("visibilitychange",this.onVisibility),this.addEventListener("fullscreenchange",this.onFullscreen),this.pageVisible=document.visibilityState!=="hidden",this.setupObserver(),this.updatePlayback()}disconnectedCallback(){super.disconnectedCallback(),document.removeEventListener("visibilitychange",this.onVisibility),this.removeEventListener("fullscreenchange",this.onFullscreen),this.observer?.disconnect(),this.observer=null,window.clearTimeout(this.hiddenTimer),this.player?.pause()}setupObserver(){this.observer?.disconnect(),this.observer=null,this.inView=!0;let t=this.config?.intersection??0;!this.isConnected||t===0||!("IntersectionObserver"in window)||(this.observer=new IntersectionObserver(i=>{let n=i[i.length-1];n&&(this.inView=n.isIntersecting&&n.intersectionRatio>=t,this.updatePlayback())},{threshold:t}),this.observer.observe(this))}visibilityChanged(){window.clearTimeout(this.hiddenTimer),document.visibilityState==="hidden"?this.hiddenTimer=window.setTimeout(()=>{this.pageVisible=!1,this.updatePlayback()},si):(this.pageVisible=!0,this.updatePlayback())}updatePlayback(){let t=this.config;if(!t||!this._hass||!this.isConnected)return;let i=this.inView&&(this.pageVisible||t.background),n=this.ensurePlayer();i&&!n.active?this.start():!i&&n.active&&n.pause()}ensurePlayer(){return this.player||(this.player=new le(t=>{this.status=t},this.muted),this.player.image.className="mjpeg",this.player.video.addEventListener("volumechange",()=>{this.player&&(this.muted=this.player.video.muted)})),this.player}get stream(){return this.config?.streams[this.streamIndex]}start(){let t=this.config,i=this.stream,n=this.ensurePlayer();!t||!i||n.play({modes:i.modes,media:i.media,micStartsMuted:t.microphoneMuted,resolveUrl:()=>this.resolveUrl(t,i)})}async resolveUrl(t,i){let n=this._hass;if(!n)throw new y("CONNECT_SIGN_FAILED","Home Assistant is not ready");let s=!i.url&&!i.entity,o=dt(n.config?.components,s?{...i,url:t.poster??"-"}:i,t.server),a,c;if(o.kind==="proxy"){let p;try{p=(await n.callWS({type:"auth/sign_path",path:o.path})).path}catch(d){let g=d instanceof Error?d.message:typeof d=="object"&&d&&"message"in d?String(d.message):String(d);throw new y("CONNECT_SIGN_FAILED",`cannot sign ${o.path}: ${g}`)}a=nt(n,p),c=ht(a,i,t.server)}else c=o.wsUrl;let l=pt(t.poster,t.posterRemote,o,a,t.server);if(l&&this.player&&(this.player.video.poster=l),s)throw new y("CONNECT_NOTHING_TO_PLAY","this stream shows the poster only");return c}nextStream(){let t=this.config;!t||t.streams.length<2||(this.streamIndex=(this.streamIndex+1)%t.streams.length,this.player?.pause(),this.updatePlayback())}async stats(){let t=this.player,i=t?.times,n=i?.firstFrameAt??0;return{phase:this.status.phase,label:this.status.label,error:this.status.error,frames:t?await t.frames():0,firstFrameMs:n&&i?n-i.connectAt:0,openToFrameMs:n&&i?.openAt?n-i.openAt:0,connections:t?.connections??0,socketOpen:t?.socketOpen??!1,microphone:this.status.microphone,mime:t?.mse?.mime??"",stream:this.streamIndex}}micDown(t){t.preventDefault(),t.currentTarget.setPointerCapture?.(t.pointerId),this.player?.setMicrophone(this.mic.press(t.timeStamp,this.status.microphone.on))}micUp(t){let i=this.mic.release(t.timeStamp);i!==void 0&&this.player?.setMicrophone(i)}micKey(t){t.key!=="Enter"&&t.key!==" "||(t.preventDefault(),this.player?.setMicrophone(!this.status.microphone.on))}scope(){let t=this.stream;return{states:this._hass?.states??{},streamName:t?.name??"",streamID:this.streamIndex}}updated(t){super.updated(t);let i=this.config;this.player&&(this.player.video.controls=!i?.ui&&this.status.phase==="playing"&&this.status.label!=="MJPEG");let n=this.renderRoot.querySelector(".player"),s=this.renderRoot.querySelector(".ptz-transform");i?.digitalPtz&&n&&s&&!this.digitalPtz&&(this.digitalPtz=new se(n,s,i.digitalPtz,this.stream?.url||this.stream?.entity||""))}message(){let{phase:t,error:i}=this.status;if(t==="playing")return h;if(i&&t!=="paused"&&t!=="idle"&&t!=="poster"){let n=this.status.retrying;return u`<div class="message error" role="alert">
        ${b("alert")}<span>${i}${n?u`<br /><small>retrying…</small>`:h}</span>
      </div>`}return t==="connecting"||t==="loading"||t==="reconnecting"?u`<div class="message info">
        <div class="spinner"></div>
        <span>${t==="reconnecting"?"reconnecting":"loading"}</span>
      </div>`:h}modeLabel(){let{phase:t,label:i}=this.status;return t==="playing"?i:t==="paused"?"paused":t==="poster"?"IMG":t==="error"?"error":t==="loading"&&i?`${i}\u2026`:"Loading.."}renderMicrophone(){if(!this.stream?.media.includes("microphone"))return h;let i=this.status.microphone,n=i.available?`${i.on?"Microphone on":"Microphone off"}: click to toggle, hold to talk`:i.error||"Microphone: available once the WebRTC connection is up";return u`<button
      class="icon-button microphone ${i.on?"on":""} ${i.available?"":"unavailable"}"
      title=${n}
      aria-label=${n}
      aria-pressed=${i.on?"true":"false"}
      ?disabled=${!i.available}
      @pointerdown=${s=>this.micDown(s)}
      @pointerup=${s=>this.micUp(s)}
      @pointercancel=${s=>this.micUp(s)}
      @keydown=${s=>this.micKey(s)}
    >
      ${b(i.on?"mic":"mic-off")}
    </button>`}renderUi(){let t=this.config,i=this.player;return!t?.ui||!i?h:mt({host:this,video:i.video,fullscreen:this.fullscreen,muted:this.muted,playing:this.status.phase==="playing",withMic:this.stream?.media.includes("microphone")??!1,streamName:t.streams.length>1?this.stream?.name:void 0,nextStream:()=>this.nextStream()})}render(){let t=this.config;if(!t)return u``;let i=this.ensurePlayer(),n=this.scope(),s=Ce(t.style,n);return this.userStyle.textContent!==s&&(this.userStyle.textContent=s),u`${this.ownStyle}
      <ha-card class="card">
        <div class="player">
          <div class="ptz-transform">${i.video}${i.image}</div>
        </div>
        <div class="header">
          <div class="status">${t.title}</div>
          <div class="mode" title="Switch stream" @click=${()=>this.nextStream()}>${this.modeLabel()}</div>
        </div>
        ${this.message()} ${tt(t.ptz,this._hass,()=>this.scope())}
        ${it(t.shortcuts,this._hass,n,this)} ${this.renderUi()} ${this.renderMicrophone()}
      </ha-card>
      ${this.userStyle} `}};Z.properties={status:{state:!0},streamIndex:{state:!0},fullscreen:{state:!0},muted:{state:!0}};var oi=[["url","Stream (url)","go2rtc/ts2rtc stream name or source URL, e.g. rtsp://user:pass@192.168.1.10/stream"],["entity","Camera entity","camera.front_door (needs the ts2rtc or WebRTC integration)"],["server","Server","only without an integration, or to pick another server: http://192.168.1.10:1984"],["title","Title",""],["poster","Poster","image URL, camera entity or stream name shown while loading"],["mode","Modes",`fallback order webrtc \u2192 mse \u2192 hls \u2192 mjpeg; default ${Se}`],["media","Media",`video, audio, microphone; default ${Ee}`]],ai=[["muted","Start muted"],["ui","Own controls instead of the browser\u2019s"],["background","Keep playing when the page is hidden"]],I=class extends _{constructor(){super(),this.config={}}setConfig(e){this.config={...e}}change(e,t){let i={...this.config};t===""||t===void 0||t===!1?delete i[e]:i[e]=t,this.config=i,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:i},bubbles:!0,composed:!0}))}render(){let e=this.config,t=typeof e.intersection=="number"?e.intersection:ne;return u`<div class="form">
      ${oi.map(([i,n,s])=>u`<label>
            <span>${n}</span>
            <input
              name=${i}
              .value=${String(e[i]??"")}
              placeholder=${s}
              @change=${o=>this.change(i,o.target.value.trim())}
            />
          </label>`)}
      <label>
        <span>Play when at least this much is on screen (0 = always): ${t}</span>
        <input
          name="intersection"
          type="range"
          min="0"
          max="1"
          step="0.05"
          .value=${String(t)}
          @change=${i=>{let n=Number(i.target.value);this.change("intersection",n===ne?void 0:n)}}
        />
      </label>
      ${ai.map(([i,n])=>u`<label class="check">
            <input
              name=${i}
              type="checkbox"
              .checked=${e[i]===!0}
              @change=${s=>this.change(i,s.target.checked)}
            />
            <span>${n}</span>
          </label>`)}
      <p class="note">Streams, PTZ, shortcuts, digital PTZ and style: use the YAML editor.</p>
    </div>`}};I.properties={config:{state:!0}},I.styles=H`
    .form {
      display: grid;
      gap: 12px;
    }
    label {
      display: grid;
      gap: 4px;
      font-size: 14px;
      color: var(--primary-text-color, #212121);
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    input:not([type]) {
      padding: 8px;
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 4px;
      background: var(--card-background-color, #fff);
      color: inherit;
      font: inherit;
    }
    .note {
      margin: 0;
      font-size: 12px;
      color: var(--secondary-text-color, #727272);
    }
  `;var O="webrtc-camera",ft="0.1.0";function ci(){let r=window.customElements;if(r.get(de)||r.define(de,I),r.get(O)){console.info(`${O}: already defined by another script (AlexxIT's WebRTC card?); that one is used`);return}r.define(O,Z);let e=r.define.bind(r);r.define=(i,n,s)=>{if(i===O&&r.get(i)){console.info(`${O}: a second definition was skipped; ts2rtc's card (${ft}) is in use`);return}e(i,n,s)},console.info(`%c WEBRTC-CAMERA %c ts2rtc ${ft} `,"color:#fff;background:#03a9f4","color:#03a9f4");let t=window.customCards??=[];t.some(i=>i.type===O)||t.push({type:O,name:"WebRTC Camera (ts2rtc)",description:"Live camera with WebRTC, MSE or MJPEG, two-way audio and PTZ, from ts2rtc or go2rtc",preview:!1,documentationURL:"https://github.com/your-org/ts2rtc/tree/main/custom_cards"})}ci();export{O as CARD_TAG,ft as CARD_VERSION,Z as WebrtcCameraCard,I as WebrtcCameraEditor};
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
